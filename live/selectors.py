"""Reads of the live messages an organization's browsers replay."""

from __future__ import annotations

from typing import Any

from live.models import LiveMessage


def last_live_message_id(organization_id: Any) -> int:
    """The id of the organization's latest live message, 0 when it has none yet."""
    return (
        LiveMessage.objects.filter(organization_id=organization_id)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
        or 0
    )


def live_messages_after(organization_id: Any, *, since: int, limit: int) -> list[LiveMessage]:
    """The organization's live messages after id `since`, oldest first, at most `limit`."""
    return list(
        LiveMessage.objects.filter(organization_id=organization_id, id__gt=since).order_by("id")[
            :limit
        ]
    )


def live_message_is_kept(organization_id: Any, message_id: int) -> bool:
    """Whether the organization's message `message_id` is still kept (not yet pruned)."""
    return LiveMessage.objects.filter(organization_id=organization_id, id=message_id).exists()
