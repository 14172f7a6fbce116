"""Tasks of the templates app: webhook deliveries applied by a worker, and syncs with Meta."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from pytake import log_context
from pytake.task_queue import enqueue_with_transaction
from templates_app.models import WebhookDelivery
from templates_app.services import deliveries

logger = logging.getLogger(__name__)


@task()
def apply_webhook_delivery(delivery_id: int, attempt: int = 1) -> str:
    """Apply a stored delivery; a failure is retried later with a growing delay.

    After the last retry the delivery stays `failed`, kept for `reprocess_webhooks`.
    """
    with log_context.bound(delivery=delivery_id):
        return _apply_delivery(delivery_id, attempt)


def _apply_delivery(delivery_id: int, attempt: int) -> str:
    delivery = WebhookDelivery.objects.defer("body").filter(pk=delivery_id).first()
    if delivery is None:
        return "gone"  # pruned meanwhile
    delivery = deliveries.process_delivery(delivery=delivery)
    if delivery.status == WebhookDelivery.Status.FAILED:
        if attempt < settings.WEBHOOK_TASK_ATTEMPTS:
            delay = retry_delay(attempt)
            logger.warning(
                "Delivery %s failed (attempt %s); retrying in %s", delivery_id, attempt, delay
            )
            apply_webhook_delivery.using(run_after=timezone.now() + delay).enqueue(
                delivery_id, attempt + 1
            )
        else:
            logger.error("Delivery %s failed %s times; left for reprocessing", delivery_id, attempt)
    return str(delivery.status)


def retry_delay(attempt: int) -> timedelta:
    """1, 2, 4, 8… minutes after the first, second, third… failure."""
    return timedelta(minutes=2 ** (attempt - 1))


def enqueue_with_delivery(delivery: WebhookDelivery) -> None:
    """Hand the delivery to a worker, in the transaction that stores it: both commit together."""
    enqueue_with_transaction(apply_webhook_delivery, delivery.pk)


@task()
def sync_business_account(run_id: int) -> dict[str, Any]:
    """Run one queued sync of a business account with Meta's Graph API."""
    # Imported here: the sync service imports this module to enqueue its runs.
    from templates_app.services.sync import run_sync

    run = run_sync(run_id=run_id)
    return {"run_id": run.pk, "status": run.status, "changes_applied": run.changes_applied}
