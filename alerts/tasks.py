"""Notification tasks: fan an alert out to its channels, and make each delivery attempt.

Each message is a `NotificationDelivery`. An attempt first claims its row (one conditional
UPDATE), so two workers, or a worker and `send_notifications`, never send one message twice,
and a message that was sent is never sent again. A failed attempt is retried after 1, 2, 4
and 8 minutes; after the fifth it stays `failed` until someone retries it in the admin.

A channel that hears more than NOTIFY_DIGEST_AFTER alerts within NOTIFY_DIGEST_WINDOW_SECONDS
gets the rest as one digest when the window ends, not one message each.

Backends that can defer (django_tasks_db in production) run each retry and digest at its
time; the immediate backend cannot, so `manage.py send_notifications` (the scheduler runs it
every minute) sends whatever is due.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from alerts import notify
from alerts.models import Alert, NotificationChannel, NotificationDelivery, severities_at_or_below
from alerts.notify import messages

logger = logging.getLogger(__name__)

# Minutes to wait after the 1st, 2nd, 3rd and 4th failed attempt; the 5th is the last.
BACKOFF_MINUTES = (1, 2, 4, 8)
MAX_ATTEMPTS = len(BACKOFF_MINUTES) + 1

Status = NotificationDelivery.Status


# Ahead of the webhook deliveries a worker has queued: under a burst of Meta's news, a critical
# alert raised by the first delivery is sent before the thousandth delivery is applied.
NOTIFICATION_PRIORITY = 10


@task(priority=NOTIFICATION_PRIORITY)
def notify_alerts(alert_ids: list[str]) -> list[int]:
    """Plan each alert's message on each matching channel and send those due now."""
    due = [
        delivery_id
        for alert_id in alert_ids
        for delivery_id in plan_alert_deliveries(alert_id=alert_id)
    ]
    for delivery_id in due:
        enqueue_attempt(delivery_id)
    return due


@task(priority=NOTIFICATION_PRIORITY)
def send_delivery(delivery_id: int) -> str:
    """One attempt at one delivery; returns its status after the attempt."""
    return attempt_delivery(delivery_id=delivery_id)


def enqueue_attempt(delivery_id: int, *, run_after: datetime | None = None) -> None:
    """Enqueue an attempt; a backend that cannot defer leaves a later one to the scheduler."""
    attempt = send_delivery
    if run_after is not None:
        if not attempt.get_backend().supports_defer:
            return
        attempt = attempt.using(run_after=run_after)
    try:
        attempt.enqueue(delivery_id)
    except Exception:
        logger.exception("Could not enqueue notification delivery %s", delivery_id)


def plan_alert_deliveries(*, alert_id: str) -> list[int]:
    """One delivery per enabled channel whose minimum severity the alert reaches.

    Returns the ids to send now; the others wait in a digest.
    """
    alert = Alert.objects.filter(pk=alert_id).first()
    if alert is None:  # rolled back after all, or deleted since
        return []
    channels = NotificationChannel.objects.filter(
        organization_id=alert.organization_id,
        enabled=True,
        min_severity__in=severities_at_or_below(alert.severity),
    )
    due = []
    for channel in channels:
        delivery = _plan_on_channel(channel, alert)
        if delivery is not None and delivery.status == Status.PENDING:
            due.append(delivery.pk)
    return due


@transaction.atomic
def _plan_on_channel(channel: NotificationChannel, alert: Alert) -> NotificationDelivery | None:
    # The channel's row lock makes concurrent alerts count this channel's recent messages in turn.
    NotificationChannel.objects.select_for_update().get(pk=channel.pk)
    planned = NotificationDelivery.objects.filter(channel=channel, alert=alert)
    if planned.exists():  # this task ran before for this alert
        return None
    now = timezone.now()
    window = timedelta(seconds=settings.NOTIFY_DIGEST_WINDOW_SECONDS)
    recent = NotificationDelivery.objects.filter(
        channel=channel, kind=NotificationDelivery.Kind.ALERT, created_at__gt=now - window
    ).count()
    if recent < settings.NOTIFY_DIGEST_AFTER:
        return NotificationDelivery.objects.create(
            channel=channel, alert=alert, next_attempt_at=now, max_attempts=MAX_ATTEMPTS
        )
    digest = (
        NotificationDelivery.objects.select_for_update()
        .filter(channel=channel, kind=NotificationDelivery.Kind.DIGEST, status=Status.PENDING)
        .order_by("created_at")
        .first()
    )
    if digest is None:
        digest = NotificationDelivery.objects.create(
            channel=channel,
            kind=NotificationDelivery.Kind.DIGEST,
            next_attempt_at=now + window,
            max_attempts=MAX_ATTEMPTS,
        )
        digest_id, when = digest.pk, digest.next_attempt_at
        transaction.on_commit(lambda: enqueue_attempt(digest_id, run_after=when), robust=True)
    return NotificationDelivery.objects.create(
        channel=channel, alert=alert, digest=digest, status=Status.IN_DIGEST
    )


def attempt_delivery(*, delivery_id: int) -> str:
    """Claim the delivery if it is due, send it once, and record the outcome."""
    now = timezone.now()
    claimed = NotificationDelivery.objects.filter(
        pk=delivery_id, status__in=NotificationDelivery.DUE_STATUSES, next_attempt_at__lte=now
    ).update(status=Status.SENDING, attempts=F("attempts") + 1, updated_at=now)
    delivery = NotificationDelivery.objects.select_related(
        "channel__organization",
        "alert__organization",
        *(f"alert__{related}" for related in messages.GUIDANCE_RELATED),
    ).get(pk=delivery_id)
    if not claimed:
        return delivery.status
    try:
        if not delivery.channel.enabled:
            raise notify.SendError("The channel is disabled.")
        notify.send(delivery.channel, message_of(delivery), message_id=f"msg_{delivery.pk}")
    except Exception as exc:
        if not isinstance(exc, notify.SendError):
            logger.exception("Notification delivery %s failed", delivery.pk)
        _record_failure(delivery, error=str(exc) or type(exc).__name__)
    else:
        delivery.status = Status.SENT
        delivery.sent_at = timezone.now()
        delivery.last_error = ""
        delivery.next_attempt_at = None
        delivery.save(update_fields=["status", "sent_at", "last_error", "next_attempt_at"])
    return delivery.status


def _record_failure(delivery: NotificationDelivery, *, error: str) -> None:
    delivery.last_error = error[:2000]
    if delivery.attempts >= delivery.max_attempts:
        delivery.status = Status.FAILED
        delivery.next_attempt_at = None
    else:
        delivery.status = Status.RETRYING
        wait = BACKOFF_MINUTES[min(delivery.attempts, len(BACKOFF_MINUTES)) - 1]
        delivery.next_attempt_at = timezone.now() + timedelta(minutes=wait)
    delivery.save(update_fields=["status", "last_error", "next_attempt_at", "updated_at"])
    if delivery.status == Status.RETRYING:
        enqueue_attempt(delivery.pk, run_after=delivery.next_attempt_at)


def message_of(delivery: NotificationDelivery) -> messages.Message:
    channel = delivery.channel
    if delivery.kind == NotificationDelivery.Kind.ALERT:
        return messages.alert_message(delivery.alert)
    if delivery.kind == NotificationDelivery.Kind.DIGEST:
        alerts = (
            Alert.objects.filter(deliveries__digest=delivery)
            .select_related("organization", *messages.GUIDANCE_RELATED)
            .order_by("created_at")
        )
        return messages.digest_message(alerts, organization=channel.organization.name)
    return messages.test_message(organization=channel.organization.name, channel_name=channel.name)


def send_due(*, now: datetime | None = None) -> dict[str, int]:
    """Attempt every delivery whose time has come; returns how many ended in each status."""
    now = now or timezone.now()
    due = NotificationDelivery.objects.filter(
        status__in=NotificationDelivery.DUE_STATUSES, next_attempt_at__lte=now
    ).order_by("next_attempt_at")
    outcomes: dict[str, int] = {}
    for delivery_id in list(due.values_list("pk", flat=True)):
        status = attempt_delivery(delivery_id=delivery_id)
        outcomes[status] = outcomes.get(status, 0) + 1
    return outcomes
