"""Live updates: the one way any app tells an organization's browsers that something changed.

    from live.broadcast import MessageType, broadcast

    broadcast(alert.organization_id, MessageType.ALERT_CREATED, {"alert_id": alert.pk, ...})

Call it inside the transaction that makes the change (a service acting for a person does, after
its audit entry). It keeps the message (a `LiveMessage` row, so a browser that reconnects can
replay it) and sends it to the group `org-<organization_id>` once the transaction commits: a
rolled-back change is never announced. The reactions to Meta's news build their messages with
`message()` and keep them all in one INSERT with `broadcast_many()`.
If the channel layer cannot be reached the failure is logged and swallowed, since the change
itself is committed and the browsers catch up by resuming.

Every frame is the payload's keys plus `type`, `id`, `organization_id` and `timestamp`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any
from uuid import UUID

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from live.models import LiveMessage
from pytake.db import insert_many

logger = logging.getLogger(__name__)


class MessageType(StrEnum):
    TEMPLATE_STATUS_CHANGED = "template.status_changed"
    TEMPLATE_QUALITY_CHANGED = "template.quality_changed"
    TEMPLATE_CATEGORY_CHANGED = "template.category_changed"
    CAMPAIGNS_PAUSED = "campaigns.paused"
    CAMPAIGNS_RESUMED = "campaigns.resumed"
    CAMPAIGNS_SWITCHED = "campaigns.switched"
    ALERT_CREATED = "alert.created"
    ALERT_UPDATED = "alert.updated"
    ALERT_ACKNOWLEDGED = "alert.acknowledged"
    ALERT_RESOLVED = "alert.resolved"
    SENDING_PATH_CHANGED = "sending_path.changed"


# The keys every frame carries; a payload may not use them.
ENVELOPE_KEYS = frozenset({"type", "id", "organization_id", "timestamp"})

# The channel-layer event type: the frames of one organization's messages, in order, which the
# consumer's `live_messages` method relays one by one.
LAYER_EVENT_TYPE = "live.messages"


def group_name(organization_id: UUID | str) -> str:
    """The channel-layer group of one organization's sockets."""
    return f"org-{organization_id}"


def message(
    organization_id: UUID | str, type: MessageType | str, payload: Mapping[str, Any]
) -> LiveMessage:
    """A live message for the organization, not yet kept nor sent.

    `payload` must be JSON-serialisable with Django's encoder (UUIDs and datetimes become
    strings); the frame sent and the frame replayed on resume are the same JSON.
    """
    message_type = MessageType(type)
    clashing = ENVELOPE_KEYS & payload.keys()
    if clashing:
        raise ValueError(f"A live message's payload may not use {sorted(clashing)}.")
    return LiveMessage(
        organization_id=organization_id,
        type=message_type,
        # Through JSON once, so the frame sent now equals the one read back on resume.
        payload=json.loads(json.dumps(payload, cls=DjangoJSONEncoder)),
    )


def broadcast(
    organization_id: UUID | str, type: MessageType | str, payload: Mapping[str, Any]
) -> LiveMessage:
    """Keep a live message for the organization and send it to its sockets after commit."""
    [kept] = broadcast_many([message(organization_id, type, payload)])
    return kept


def broadcast_many(messages: Sequence[LiveMessage]) -> list[LiveMessage]:
    """Keep `messages` in one INSERT and send them after commit, one layer event per
    organization."""
    if not messages:
        return []
    kept = insert_many(messages)
    send_after_commit(kept)
    return kept


def frame(message: LiveMessage) -> dict[str, Any]:
    """What a socket receives for one message."""
    return {
        "type": message.type,
        "id": message.pk,
        "organization_id": str(message.organization_id),
        "timestamp": message.created_at.isoformat(),
        **message.payload,
    }


def send_after_commit(messages: list[LiveMessage]) -> None:
    """Send kept messages to their organizations' groups once the transaction commits."""
    transaction.on_commit(lambda: send_to_groups(messages))


def send_to_groups(messages: Sequence[LiveMessage]) -> None:
    """Send kept messages, in order, in one trip to the channel layer's event loop: one layer
    event per organization, carrying all of its messages.

    A message the layer refuses is only logged: the change is committed and the message kept,
    so a browser that missed it catches up when it resumes.
    """
    if not messages:
        return
    try:
        async_to_sync(_send_all)(messages)
    except Exception:
        logger.exception("%s live messages could not be sent", len(messages))


async def _send_all(messages: Sequence[LiveMessage]) -> None:
    by_organization: dict[UUID | str, list[LiveMessage]] = {}
    for message in messages:
        by_organization.setdefault(message.organization_id, []).append(message)
    for organization_id, kept in by_organization.items():
        try:
            await get_channel_layer().group_send(
                group_name(organization_id),
                {"type": LAYER_EVENT_TYPE, "frames": [frame(message) for message in kept]},
            )
        except Exception:
            logger.exception(
                "Live messages %s of organization %s could not be sent",
                ", ".join(f"{message.pk} ({message.type})" for message in kept),
                organization_id,
            )
