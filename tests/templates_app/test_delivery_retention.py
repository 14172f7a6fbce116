from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from templates_app.models import WebhookDelivery
from tests.factories import WebhookDeliveryFactory

pytestmark = pytest.mark.django_db


def _delivery(status: str, *, age_days: int) -> WebhookDelivery:
    delivery = WebhookDeliveryFactory(status=status)
    # received_at is auto_now_add: age it the way time would.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        received_at=timezone.now() - timedelta(days=age_days)
    )
    return delivery


def test_prune_deletes_only_old_handled_deliveries():
    _delivery(WebhookDelivery.Status.PROCESSED, age_days=120)
    _delivery(WebhookDelivery.Status.IGNORED, age_days=120)
    _delivery(WebhookDelivery.Status.REJECTED, age_days=120)
    old_failed = _delivery(WebhookDelivery.Status.FAILED, age_days=120)
    old_received = _delivery(WebhookDelivery.Status.RECEIVED, age_days=120)
    recent_processed = _delivery(WebhookDelivery.Status.PROCESSED, age_days=10)

    call_command("prune_webhook_deliveries", "--days", "90")

    remaining = set(WebhookDelivery.objects.values_list("pk", flat=True))
    assert remaining == {old_failed.pk, old_received.pk, recent_processed.pk}


def test_ignored_deliveries_go_after_their_own_shorter_retention(settings):
    settings.WEBHOOK_IGNORED_RETENTION_DAYS = 7
    _delivery(WebhookDelivery.Status.IGNORED, age_days=8)
    recent_ignored = _delivery(WebhookDelivery.Status.IGNORED, age_days=6)
    processed = _delivery(WebhookDelivery.Status.PROCESSED, age_days=8)

    call_command("prune_webhook_deliveries", "--days", "90")

    remaining = set(WebhookDelivery.objects.values_list("pk", flat=True))
    assert remaining == {recent_ignored.pk, processed.pk}
