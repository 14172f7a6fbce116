"""A signed delivery with more entries or changes than Meta sends is kept as rejected, unread."""

from __future__ import annotations

import copy

import pytest

from templates_app.meta import encode, status_update_body
from templates_app.models import WebhookDelivery
from tests.webhooks import signed_post

pytestmark = pytest.mark.django_db

WABA = "102290129340398"


def body_with_changes(*per_entry: int) -> bytes:
    """One entry per number given, each with that many status changes."""
    body = status_update_body(waba_id=WABA, event="APPROVED", template_id=None, name="order_update")
    change = body["entry"][0]["changes"][0]
    entries = []
    for count in per_entry:
        entry = copy.deepcopy(body["entry"][0])
        entry["changes"] = [change] * count
        entries.append(entry)
    return encode({**body, "entry": entries})


def assert_kept_as_rejected(response, body: bytes, reason: str) -> None:
    assert response.status_code == 400
    assert response.json() == {"detail": reason}
    delivery = WebhookDelivery.objects.get()
    assert bytes(delivery.body) == body
    assert (delivery.status, delivery.error) == (WebhookDelivery.Status.REJECTED, reason)
    assert [attempt["status"] for attempt in delivery.history] == ["rejected"]


def test_half_a_million_entries_in_one_mebibyte_are_rejected_unread(client, webhook_settings):
    body = b'{"object": "whatsapp_business_account", "entry": [' + b"0," * 524_257 + b"0]}"

    response = signed_post(client, body)

    assert_kept_as_rejected(
        response, body, "Payload has 524258 entries; at most 1000 are accepted."
    )


def test_more_changes_than_the_limit_across_entries_are_rejected(client, webhook_settings):
    body = body_with_changes(600, 401)

    response = signed_post(client, body)

    assert_kept_as_rejected(response, body, "Payload has 1001 changes; at most 1000 are accepted.")


def test_the_limits_are_settings_and_a_delivery_at_them_is_applied(client, webhook_settings):
    webhook_settings.WHATSAPP_WEBHOOK_MAX_ENTRIES = 2
    webhook_settings.WHATSAPP_WEBHOOK_MAX_CHANGES = 3

    at_limit = signed_post(client, body_with_changes(2, 1))

    assert at_limit.status_code == 200
    assert WebhookDelivery.objects.get().status != WebhookDelivery.Status.REJECTED
    WebhookDelivery.objects.all().delete()
    too_many_entries = body_with_changes(1, 1, 1)
    assert_kept_as_rejected(
        signed_post(client, too_many_entries),
        too_many_entries,
        "Payload has 3 entries; at most 2 are accepted.",
    )
    WebhookDelivery.objects.all().delete()
    too_many_changes = body_with_changes(2, 2)
    assert_kept_as_rejected(
        signed_post(client, too_many_changes),
        too_many_changes,
        "Payload has 4 changes; at most 3 are accepted.",
    )
