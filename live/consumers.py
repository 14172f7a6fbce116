"""The live-updates socket, `ws/updates/`: one organization's messages, and a replay on resume.

Authentication, in this order: the session (Channels' `AuthMiddlewareStack` puts its user in
the scope), an API token in `?token=`, or an API token offered as a subprotocol in the
`Sec-WebSocket-Protocol` header, which is then echoed back as the accepted subprotocol.
Nobody authenticated: closed with 4401. Someone who may not see the organization asked for
(`?organization=<id>`, for super admins) or who has none: closed with 4403.

Frames from the client: `{"type": "ping"}` → `{"type": "pong"}`; `{"type": "resume", "since":
<id>}` → every message after that id, oldest first (at most RESUME_LIMIT, then
`{"type": "resume.truncated"}`; that alone when message `since` is no longer kept). Anything
else → `{"type": "error", "detail": ...}`, and the socket stays open. The messages themselves
come from `live.broadcast`.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone

from live import selectors as live_selectors
from live.broadcast import LAYER_EVENT_TYPE, frame, group_name
from organizations import selectors
from organizations.models import User

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
RESUME_LIMIT = 500


class RefusedError(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class LiveUpdatesConsumer(AsyncJsonWebsocketConsumer):
    """Relays its organization's live messages; holds no business rule of its own."""

    organization_id: str | None = None

    async def connect(self) -> None:
        offered = self.scope.get("subprotocols") or []
        try:
            user, subprotocol = await self._authenticate(offered)
            self.organization_id = await self._organization_to_follow(user)
        except RefusedError as refused:
            # Accepted first, so the client sees our code; echoing what it offered keeps a
            # browser from failing the handshake before it can read that code.
            await self.accept(subprotocol=offered[0] if offered else None)
            await self.close(code=refused.code)
            return
        await self.channel_layer.group_add(group_name(self.organization_id), self.channel_name)
        await self.accept(subprotocol=subprotocol)
        await self.send_json(
            {
                "type": "hello",
                "organization_id": self.organization_id,
                "server_time": timezone.now().isoformat(),
                "last_id": await database_sync_to_async(live_selectors.last_live_message_id)(
                    self.organization_id
                ),
            }
        )

    async def disconnect(self, code: int) -> None:
        if self.organization_id is not None:
            await self.channel_layer.group_discard(
                group_name(self.organization_id), self.channel_name
            )

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "resume":
            await self._resume(content.get("since"))
        else:
            await self._error('Send {"type": "ping"} or {"type": "resume", "since": <id>}.')

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None:
            await self._error("Frames are JSON text, not binary.")
            return
        try:
            content = await self.decode_json(text_data)
        except ValueError:
            await self._error("That frame is not JSON.")
            return
        await self.receive_json(content)

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels closes stale database connections before every handler, a hop to the one
        # database thread; relaying a message touches no database, and with hundreds of
        # sockets those hops, taken one after another, would be most of the latency.
        if message["type"] == LAYER_EVENT_TYPE:
            await self.live_messages(message)
        else:
            await super().dispatch(message)

    async def live_messages(self, event: dict[str, Any]) -> None:
        """A layer event of type `live.messages` (`broadcast.LAYER_EVENT_TYPE`): relay each of
        its frames, in order."""
        for message in event["frames"]:
            await self.send_json(message)

    # --- helpers --------------------------------------------------------------------------------

    async def _error(self, detail: str) -> None:
        await self.send_json({"type": "error", "detail": detail})

    async def _resume(self, since: Any) -> None:
        if isinstance(since, bool) or not isinstance(since, int) or since < 0:
            await self._error('"since" is the id of the last message received, an integer ≥ 0.')
            return
        if since and not await database_sync_to_async(live_selectors.live_message_is_kept)(
            self.organization_id, since
        ):
            # Pruned (or never this organization's): what followed it may be gone too.
            await self.send_json({"type": "resume.truncated"})
            return
        messages = await database_sync_to_async(live_selectors.live_messages_after)(
            self.organization_id, since=since, limit=RESUME_LIMIT + 1
        )
        for message in messages[:RESUME_LIMIT]:
            await self.send_json(frame(message))
        if len(messages) > RESUME_LIMIT:
            await self.send_json({"type": "resume.truncated"})

    async def _authenticate(self, offered: list[str]) -> tuple[User, str | None]:
        """The user and the subprotocol to accept (the token, when it came that way)."""
        user = self.scope.get("user")
        if user is not None and user.is_authenticated:
            return user, None
        token = _query(self.scope).get("token")
        if token:
            user = await database_sync_to_async(selectors.user_for_api_token)(token)
            if user is not None:
                return user, None
            raise RefusedError(CLOSE_UNAUTHENTICATED)
        for candidate in offered:
            user = await database_sync_to_async(selectors.user_for_api_token)(candidate)
            if user is not None:
                return user, candidate
        raise RefusedError(CLOSE_UNAUTHENTICATED)

    async def _organization_to_follow(self, user: User) -> str:
        requested = _query(self.scope).get("organization")
        if requested is None:
            if user.organization_id is None:
                raise RefusedError(CLOSE_FORBIDDEN)
            return str(user.organization_id)
        try:
            organization_id = uuid.UUID(requested)
        except ValueError:
            raise RefusedError(CLOSE_FORBIDDEN) from None
        visible = await database_sync_to_async(
            lambda: selectors.organizations_visible_to(user).filter(pk=organization_id).exists()
        )()
        if not visible:
            raise RefusedError(CLOSE_FORBIDDEN)
        return str(organization_id)


def _query(scope: dict[str, Any]) -> dict[str, str]:
    """The query string's parameters, the last value of each."""
    raw = scope.get("query_string", b"").decode("latin-1")
    return {name: values[-1] for name, values in parse_qs(raw).items()}
