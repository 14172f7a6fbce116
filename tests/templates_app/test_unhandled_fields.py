"""Fields PyTake does not handle (`messages`, by the thousand a minute) cost one statement."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from templates_app.models import WebhookDelivery
from tests.webhooks import payload_bytes, signed_post

pytestmark = pytest.mark.django_db

INSERT_OR_FIND = 1  # INSERT … ON CONFLICT (body_sha256) … RETURNING id


def statements(queries: CaptureQueriesContext) -> list[str]:
    # The transaction's BEGIN/COMMIT or SAVEPOINT are not statements of their own here.
    return [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].split()[0] not in ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")
    ]


def test_a_delivery_of_unhandled_fields_is_kept_as_ignored_in_one_statement(
    client, webhook_settings
):
    body = payload_bytes("messages_field_ignored.json")

    with CaptureQueriesContext(connection) as queries:
        response = signed_post(client, body)

    assert len(statements(queries)) == INSERT_OR_FIND
    delivery = WebhookDelivery.objects.get()
    assert response.json() == {
        "delivery": delivery.pk,
        "status": "ignored",
        "changes": 0,
        "campaigns_paused": 0,
        "alerts_raised": 0,
    }
    assert bytes(delivery.body) == body
    assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.IGNORED, 1)
    assert [a["status"] for a in delivery.history] == ["ignored"]


def test_the_same_unhandled_body_again_finds_its_first_copy(client, webhook_settings):
    body = payload_bytes("messages_field_ignored.json")
    first = signed_post(client, body).json()

    again = signed_post(client, body).json()

    assert again == first
    assert WebhookDelivery.objects.count() == 1


def test_unhandled_fields_are_not_kept_at_all_when_the_operator_says_so(client, webhook_settings):
    webhook_settings.WEBHOOK_KEEP_IGNORED = False

    with CaptureQueriesContext(connection) as queries:
        response = signed_post(client, payload_bytes("messages_field_ignored.json"))

    assert response.status_code == 200
    assert response.json() == {
        "delivery": None,
        "status": "ignored",
        "changes": 0,
        "campaigns_paused": 0,
        "alerts_raised": 0,
    }
    assert statements(queries) == []
    assert not WebhookDelivery.objects.exists()
