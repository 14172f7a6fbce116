"""Deliveries that arrive together, on PostgreSQL where requests really run side by side."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from templates_app.meta import (
    category_update_body,
    components_update_body,
    encode,
    quality_update_body,
    status_update_body,
)
from templates_app.models import TemplateStatus, WebhookDelivery
from tests.conftest import PAYLOADS_TEMPLATE_ID, PAYLOADS_WABA_ID
from tests.webhooks import payload_bytes, post_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

T0 = 1732435200
TEMPLATE = {
    "waba_id": PAYLOADS_WABA_ID,
    "template_id": PAYLOADS_TEMPLATE_ID,
    "name": "order_update",
}


def at(unix_seconds: int) -> datetime:
    return datetime.fromtimestamp(unix_seconds, tz=UTC)


def status_at(event: str, moment: int) -> bytes:
    return encode(status_update_body(event=event, occurred_at=moment, **TEMPLATE))


def quality_at(quality: str, moment: int) -> bytes:
    return encode(quality_update_body(new_quality=quality, occurred_at=moment, **TEMPLATE))


def category_at(category: str, moment: int) -> bytes:
    return encode(category_update_body(new_category=category, occurred_at=moment, **TEMPLATE))


def components_at(text: str, moment: int) -> bytes:
    return encode(components_update_body(body=text, occurred_at=moment, **TEMPLATE))


def test_concurrent_status_deliveries_all_apply_and_the_newest_wins(webhook_settings, order_update):
    events = ["PAUSED", "REINSTATED", "FLAGGED", "PAUSED", "DISABLED", "REINSTATED", "PAUSED"]
    bodies = [status_at(event, T0 + 60 * i) for i, event in enumerate(events)]

    responses = post_concurrently(bodies)

    assert [response.status_code for response in responses] == [200] * len(bodies)
    deliveries = WebhookDelivery.objects.all()
    assert len(deliveries) == len(bodies)
    assert {d.status for d in deliveries} == {WebhookDelivery.Status.PROCESSED}
    assert {d.attempts for d in deliveries} == {1}
    order_update.refresh_from_db()
    assert order_update.status == TemplateStatus.PAUSED
    assert order_update.status_event_at == at(T0 + 60 * (len(events) - 1))


def test_concurrent_deliveries_for_every_dimension_lose_no_update(webhook_settings, order_update):
    # Each applier saves the whole row: without the row lock one dimension would overwrite another.
    makers: list[tuple[Callable[[str, int], bytes], list[str]]] = [
        (status_at, ["FLAGGED", "PAUSED", "REINSTATED"]),
        (quality_at, ["YELLOW", "GREEN", "RED"]),
        (category_at, ["MARKETING", "AUTHENTICATION", "MARKETING"]),
        (components_at, ["first text", "second text", "newest text"]),
    ]
    bodies = [
        make(value, T0 + 60 * step + offset)
        for offset, (make, values) in enumerate(makers)
        for step, value in enumerate(values)
    ]

    responses = post_concurrently(bodies)

    assert [response.status_code for response in responses] == [200] * len(bodies)
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"processed"}
    order_update.refresh_from_db()
    assert order_update.status == TemplateStatus.APPROVED
    assert order_update.status_event_at == at(T0 + 120)
    assert order_update.quality_score == "RED"
    assert order_update.quality_event_at == at(T0 + 121)
    assert order_update.category == "MARKETING"
    assert order_update.category_event_at == at(T0 + 122)
    assert order_update.components["body"] == "newest text"
    assert order_update.components_event_at == at(T0 + 123)


def test_same_body_sent_concurrently_is_applied_exactly_once(
    webhook_settings, order_update, change_log
):
    body = payload_bytes("status_paused.json")

    responses = post_concurrently([body] * 6)

    assert [response.status_code for response in responses] == [200] * 6
    delivery = WebhookDelivery.objects.get()
    assert {response.json()["delivery"] for response in responses} == {delivery.pk}
    assert delivery.status == WebhookDelivery.Status.PROCESSED
    assert delivery.attempts == 1
    # A second run would have overwritten the outcome with "unchanged".
    assert [outcome["result"] for outcome in delivery.outcomes] == ["applied"]
    assert len(change_log.status) == 1
    order_update.refresh_from_db()
    assert order_update.status == TemplateStatus.PAUSED
