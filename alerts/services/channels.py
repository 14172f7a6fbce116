"""Notification channels and what is sent on them: a unit of work's alerts queued as one task,
a channel's test message, failed sends tried again. The sending itself is `alerts.notify`."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from alerts.models import NotificationChannel, NotificationDelivery
from organizations.models import Organization
from pytake.task_queue import enqueue_with_transaction

logger = logging.getLogger(__name__)


# --- alerts to notify ---------------------------------------------------------------------------


def enqueue_notifications(alert_ids: list[str]) -> None:
    """One notification task for `alert_ids`, queued with the transaction that raised them."""
    from alerts import tasks

    enqueue_with_transaction(
        tasks.notify_alerts, alert_ids, after_commit=lambda: enqueue_alert_notifications(alert_ids)
    )


def enqueue_alert_notifications(alert_ids: list[str]) -> None:
    # After commit, never let a notification fail the request that committed the alert: with the
    # immediate backend the task runs right here, and each send records its own failure on its
    # delivery.
    from alerts import tasks

    try:
        tasks.notify_alerts.enqueue(alert_ids)
    except Exception:
        logger.exception("Could not enqueue the notification of alerts %s", ", ".join(alert_ids))


# --- channels -----------------------------------------------------------------------------------


def create_channel(*, organization: Organization, **fields: Any) -> NotificationChannel:
    """A new notification channel; its URL must pass `notify.http.check_url` (serializer)."""
    return NotificationChannel.objects.create(organization=organization, **fields)


def update_channel(*, channel: NotificationChannel, **fields: Any) -> NotificationChannel:
    """Change a channel; a secret or URL left out keeps its value."""
    for name, value in fields.items():
        setattr(channel, name, value)
    channel.save()
    return channel


def delete_channel(*, channel: NotificationChannel) -> None:
    channel.delete()


def send_test_notification(*, channel: NotificationChannel) -> NotificationDelivery:
    """A test message to `channel`, sent once (no retries) as soon as the task runs."""
    delivery = NotificationDelivery.objects.create(
        channel=channel,
        kind=NotificationDelivery.Kind.TEST,
        next_attempt_at=timezone.now(),
        max_attempts=1,
    )
    _attempt_on_commit(delivery.pk)
    return delivery


def retry_deliveries(*, deliveries: QuerySet[NotificationDelivery]) -> int:
    """Give failed deliveries a new round of attempts, from now; returns how many.

    Only failed ones: a delivery that was sent is never sent again.
    """
    from alerts.tasks import MAX_ATTEMPTS

    ids = list(
        deliveries.filter(status=NotificationDelivery.Status.FAILED).values_list("pk", flat=True)
    )
    retried = NotificationDelivery.objects.filter(
        pk__in=ids, status=NotificationDelivery.Status.FAILED
    ).update(
        status=NotificationDelivery.Status.PENDING,
        next_attempt_at=timezone.now(),
        max_attempts=F("attempts") + MAX_ATTEMPTS,
        updated_at=timezone.now(),
    )
    for delivery_id in ids:
        _attempt_on_commit(delivery_id)
    return retried


def _attempt_on_commit(delivery_id: int) -> None:
    from alerts import tasks

    transaction.on_commit(lambda: tasks.enqueue_attempt(delivery_id), robust=True)
