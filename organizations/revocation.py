"""Telling a user's open live-update sockets that some of their credentials were revoked.

A logout, a new password or a deactivation makes the API refuse those credentials at once; the
sockets opened with them learn it through the channel layer. Each socket joins its user's group
(`user_group_name`); the services that revoke send it a `credentials.revoked` event once their
transaction commits, and each socket then checks its own credentials again and closes with 4401
if they no longer hold.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

# The channel-layer event type, handled by the consumer's `credentials_revoked` method.
REVOKED_EVENT_TYPE = "credentials.revoked"


def user_group_name(user_id: UUID | str) -> str:
    """The channel-layer group of one user's sockets."""
    return f"user-{user_id}"


def announce_revoked(*, user_id: UUID | str, session_key: str | None = None) -> None:
    """After commit, have the user's sockets check their credentials again.

    `session_key` names a session that has ended (a logout): sockets opened with it close
    without checking, since the session may still be in the store when they would look.
    """
    event: dict[str, Any] = {"type": REVOKED_EVENT_TYPE, "session_key": session_key}
    transaction.on_commit(lambda: _send(user_group_name(user_id), event))


def _send(group: str, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:
        # The credentials are revoked all the same; the sockets' periodic check closes them.
        logger.exception("Open sockets could not be told that credentials were revoked")
