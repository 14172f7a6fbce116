"""WEBHOOK_PROCESSING=async: Meta gets its 200 once the delivery is stored; a worker applies it."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from alerts.models import NotificationDelivery
from templates_app.meta import encode, status_update_body
from templates_app.models import TemplateStatus, WebhookDelivery
from templates_app.tasks import retry_delay
from tests import factories
from tests.conftest import PAYLOADS_TEMPLATE_ID, PAYLOADS_WABA_ID
from tests.webhooks import (
    payload_bytes,
    signed_post,
    template_quality_body,
    template_status_body,
)

pytestmark = pytest.mark.django_db(transaction=True)

T0 = 1732435200


@pytest.fixture
def async_webhook(webhook_settings):
    webhook_settings.WEBHOOK_PROCESSING = "async"
    webhook_settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    return webhook_settings


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=StringIO())


def backlog() -> str:
    out = StringIO()
    call_command("webhook_backlog", stdout=out)
    return out.getvalue()


def test_delivery_is_acknowledged_stored_and_left_for_the_worker(
    client, async_webhook, order_update
):
    response = signed_post(client, payload_bytes("status_paused.json"))

    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert response.json() == {
        "delivery": delivery.pk,
        "status": "received",
        "changes": 0,
        "campaigns_paused": 0,
        "alerts_raised": 0,
    }
    order_update.refresh_from_db()
    assert order_update.status == TemplateStatus.APPROVED
    assert "1 received" in backlog()


def test_worker_applies_the_waiting_delivery(client, async_webhook, order_update):
    signed_post(client, payload_bytes("status_paused.json"))

    run_worker()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.PROCESSED, 1)
    order_update.refresh_from_db()
    assert order_update.status == TemplateStatus.PAUSED
    assert backlog() == "No delivery waits to be applied.\n"


def test_deliveries_applied_out_of_order_by_the_worker_keep_the_newest_state(
    client, async_webhook, order_update
):
    named = {
        "waba_id": PAYLOADS_WABA_ID,
        "template_id": PAYLOADS_TEMPLATE_ID,
        "name": "order_update",
    }
    # Meta's newer event reaches us first; the worker applies the older one after it.
    signed_post(client, status_update_body(event="REINSTATED", occurred_at=T0 + 60, **named))
    signed_post(client, status_update_body(event="PAUSED", occurred_at=T0, **named))

    run_worker()

    order_update.refresh_from_db()
    assert order_update.status == TemplateStatus.APPROVED


def test_failed_delivery_is_retried_later_then_left_for_reprocessing(
    client, async_webhook, order_update, failing_status_reaction
):
    signed_post(client, payload_bytes("status_paused.json"))

    run_worker()

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.FAILED
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert retry.args_kwargs["args"] == [delivery.pk, 2]
    assert retry.run_after is not None
    assert "1 failed" in backlog()


def test_retry_delays_double(db):
    assert [retry_delay(attempt) for attempt in (1, 2, 3, 4)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(minutes=8),
    ]


def test_unreadable_body_is_still_rejected_at_once(client, async_webhook):
    response = signed_post(client, b"{not json")

    assert response.status_code == 400
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.REJECTED
    assert not DBTaskResult.objects.exists()


def test_an_alert_raised_by_the_backlog_is_sent_before_the_rest_of_it_is_applied(
    client, async_webhook, meta_number, httpserver
):
    httpserver.expect_request("/slack").respond_with_data("ok")
    factories.NotificationChannelFactory(
        organization=meta_number.business_account.organization,
        slack=True,
        url=httpserver.url_for("/slack"),
    )
    disabled, *others = factories.WhatsAppTemplateFactory.create_batch(4, phone_number=meta_number)
    signed_post(client, encode(template_status_body(disabled, "DISABLED", occurred_at=T0)))
    for template in others:
        signed_post(client, encode(template_quality_body(template, "GREEN", occurred_at=T0)))

    run_worker()

    notification = NotificationDelivery.objects.get()
    assert notification.status == "sent"
    applied = WebhookDelivery.objects.order_by("processed_at").values_list(
        "processed_at", flat=True
    )
    # Applied first, its alert notified next, ahead of the deliveries queued before it.
    assert applied[0] < notification.sent_at < applied[1]
