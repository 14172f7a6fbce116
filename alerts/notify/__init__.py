"""Carrying a message to a channel: email, Slack, or the customer's signed webhook."""

from __future__ import annotations

from alerts.models import NotificationChannel
from alerts.notify import email, slack, webhook
from alerts.notify.http import SendError
from alerts.notify.messages import Message

__all__ = ["SendError", "send"]


def send(channel: NotificationChannel, message: Message, *, message_id: str) -> None:
    """Send `message` once; raise `SendError` when this attempt failed."""
    kind = channel.kind
    if kind == NotificationChannel.Kind.EMAIL:
        email.send(message, recipients=channel.recipients, message_id=message_id)
    elif kind == NotificationChannel.Kind.SLACK:
        slack.send(message, url=channel.url, message_id=message_id)
    elif kind == NotificationChannel.Kind.WEBHOOK:
        webhook.send(message, url=channel.url, secret=channel.secret, message_id=message_id)
    else:
        raise SendError(f"Unknown channel kind {kind!r}.")
