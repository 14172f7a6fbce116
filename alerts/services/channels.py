"""Notification channels and what is sent on them: a unit of work's alerts queued as one task,
a channel's test message, failed sends tried again. The sending itself is `alerts.notify`."""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from alerts.models import NotificationChannel, NotificationDelivery
from alerts.notify.http import UnsafeURLError, check_url
from organizations.models import Organization
from pytake.exceptions import ApplicationError
from pytake.names import check_name
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

SECRET_PREFIX = "whsec_"


def create_channel(*, organization: Organization, **fields: Any) -> NotificationChannel:
    """A new notification channel, if `check_channel` accepts it (else ApplicationError)."""
    check_channel(channel=None, fields=fields)
    return NotificationChannel.objects.create(organization=organization, **fields)


def update_channel(*, channel: NotificationChannel, **fields: Any) -> NotificationChannel:
    """Change a channel, if `check_channel` accepts it; a secret or URL left out keeps its
    value."""
    check_channel(channel=channel, fields=fields)
    for name, value in fields.items():
        setattr(channel, name, value)
    channel.save()
    return channel


def check_channel(*, channel: NotificationChannel | None, fields: Mapping[str, Any]) -> None:
    """What a channel must be, for the API and the admin alike; ApplicationError if it is not.

    `fields` are the values given; one left out keeps the channel's (`channel` is None for a
    new one). An email channel takes recipients and nothing else; Slack and webhook channels a
    URL `check_url` accepts; a webhook channel a Standard Webhooks secret.
    """

    def value(name: str) -> Any:
        return fields[name] if name in fields else getattr(channel, name, None)

    def refuse(field: str, message: str) -> ApplicationError:
        return ApplicationError(message, extra={field: [message]})

    check_name(value("name") or "")
    kind = value("kind")
    if channel is not None and kind != channel.kind:
        raise refuse("kind", "A channel keeps its kind: add a new one.")
    if kind == NotificationChannel.Kind.EMAIL:
        if not value("recipients"):
            raise refuse("recipients", "Name at least one address.")
        if value("url") or value("secret"):
            raise ApplicationError("An email channel takes recipients, not a URL or a secret.")
        return
    url = value("url")
    if not url:
        raise refuse("url", "This channel needs a URL.")
    if "url" in fields:
        try:
            check_url(url)
        except UnsafeURLError as exc:
            raise refuse("url", str(exc)) from exc
    if kind == NotificationChannel.Kind.WEBHOOK:
        if not value("secret"):
            raise refuse("secret", "A webhook channel needs its signing secret.")
        if "secret" in fields:
            _check_signing_secret(fields["secret"])
    elif value("secret"):
        raise refuse("secret", "Only webhook channels take a secret.")
    if value("recipients"):
        raise refuse("recipients", "Only email channels take these.")


def _check_signing_secret(secret: str) -> None:
    # Standard Webhooks secrets: "whsec_" and base64 of 24 to 64 random bytes.
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not secret.startswith(SECRET_PREFIX) or not 24 <= len(key) <= 64:
        message = "Use a Standard Webhooks secret: whsec_ and 24 to 64 bytes in base64."
        raise ApplicationError(message, extra={"secret": [message]})


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


@transaction.atomic
def reencrypt_channel_secrets() -> int:
    """Encrypt every notification channel's URL and signing secret again with the first
    FIELD_ENCRYPTION_KEY (the fields decrypt with any key and encrypt with the first); returns
    how many channels."""
    channels = NotificationChannel.objects.exclude(secret="", url="").select_for_update()
    count = 0
    for channel in channels.only("pk", "secret", "url"):
        channel.save(update_fields=["secret", "url"])
        count += 1
    return count
