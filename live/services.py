"""Writes to the live messages kept for replay (sending them is `live.broadcast`)."""

from __future__ import annotations

from datetime import datetime

from live.models import LiveMessage


def prune_live_messages(*, older_than: datetime) -> int:
    """Delete live messages kept since before `older_than`; returns how many.

    A socket that resumes from a deleted message is told to reload (`resume.truncated`).
    """
    deleted, _ = LiveMessage.objects.filter(created_at__lt=older_than).delete()
    return deleted
