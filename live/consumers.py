"""The live-updates socket, `ws/updates/`: one organization's messages, and a replay on resume.

Authentication, in this order: the session (Channels' `AuthMiddlewareStack` puts its user in
the scope), an API token in `?token=`, or an API token offered as a subprotocol in the
`Sec-WebSocket-Protocol` header, which is then echoed back as the accepted subprotocol.
Nobody authenticated: closed with 4401. Someone who may not see the organization asked for
(`?organization=<id>`, for super admins) or who has none: closed with 4403.

Frames from the client: `{"type": "ping"}` → `{"type": "pong"}`; `{"type": "resume", "since":
<id>}` → every message after that id, oldest first (at most RESUME_LIMIT, then
`{"type": "resume.truncated"}`; that alone when message `since` is no longer kept). Anything
else → `{"type": "error", "detail": ...}`, and the socket stays open; a frame nested deeper than
JSON_MAX_DEPTH closes it with 1007. The messages themselves come from `live.broadcast`.

The socket lives no longer than its credentials. It checks them again when told of a revocation
(`organizations.revocation`), when its token expires (a timer; every frame and message compares
the expiry too) and every LIVE_CREDENTIALS_CHECK_SECONDS; once they no longer hold, it is
closed with 4401 and nothing more is sent on it.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import timezone

from live import selectors as live_selectors
from live.broadcast import LAYER_EVENT_TYPE, frame, group_name
from organizations import selectors
from organizations.models import User
from organizations.revocation import user_group_name
from pytake import json_depth

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_INVALID_DATA = 1007  # RFC 6455: a frame inconsistent with the type of the message
RESUME_LIMIT = 500


class RefusedError(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


@dataclass(slots=True)
class Credentials:
    """What the socket was opened with: a token (its digest) or a session (its key)."""

    user_id: str
    token_digest: str | None = None
    session_key: str | None = None
    expires_at: datetime | None = None

    def standing(self) -> selectors.Standing:
        if self.token_digest is not None:
            return selectors.api_token_standing(self.token_digest)
        return selectors.session_standing(self.session_key or "", user_id=self.user_id)

    def expired(self) -> bool:
        return self.expires_at is not None and timezone.now() >= self.expires_at


class LiveUpdatesConsumer(AsyncJsonWebsocketConsumer):
    """Relays its organization's live messages; holds no business rule of its own."""

    organization_id: str | None = None
    credentials: Credentials | None = None
    closing = False
    watch: asyncio.Task | None = None

    async def connect(self) -> None:
        offered = self.scope.get("subprotocols") or []
        try:
            credentials, user, subprotocol = await self._authenticate(offered)
            self.organization_id = await self._organization_to_follow(user)
        except RefusedError as refused:
            # Accepted first, so the client sees our code; echoing what it offered keeps a
            # browser from failing the handshake before it can read that code.
            await self.accept(subprotocol=offered[0] if offered else None)
            await self.close(code=refused.code)
            return
        self.credentials = credentials
        await self.channel_layer.group_add(group_name(self.organization_id), self.channel_name)
        await self.channel_layer.group_add(user_group_name(credentials.user_id), self.channel_name)
        await self.accept(subprotocol=subprotocol)
        self.watch = asyncio.create_task(self._watch_credentials())
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
        if self.watch is not None and self.watch is not asyncio.current_task():
            self.watch.cancel()
        await self._leave_groups()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "resume":
            await self._resume(content.get("since"))
        else:
            await self._error('Send {"type": "ping"} or {"type": "resume", "since": <id>}.')

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.closing or not await self._credentials_still_hold():
            return
        if text_data is None:
            await self._error("Frames are JSON text, not binary.")
            return
        try:
            content = await self.decode_json(text_data)
        except json_depth.JSONTooDeepError:
            await self.close(code=CLOSE_INVALID_DATA)
            return
        except ValueError:
            await self._error("That frame is not JSON.")
            return
        await self.receive_json(content)

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        return json_depth.loads(text_data)

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
        if self.closing or not await self._credentials_still_hold():
            return
        for message in event["frames"]:
            await self.send_json(message)

    async def credentials_revoked(self, event: dict[str, Any]) -> None:
        """A layer event of type `credentials.revoked` (`revocation.REVOKED_EVENT_TYPE`): some
        of the user's credentials were revoked; these may be among them."""
        if self.closing or self.credentials is None:
            return
        ended_session = event.get("session_key")
        if ended_session and ended_session == self.credentials.session_key:
            await self._close_unauthenticated()
        else:
            await self._check_credentials()

    # --- helpers --------------------------------------------------------------------------------

    async def _watch_credentials(self) -> None:
        """Check the credentials when the token expires, and every LIVE_CREDENTIALS_CHECK_SECONDS
        (a revocation whose event the channel layer lost, a session that expired)."""
        while not self.closing:
            wait = settings.LIVE_CREDENTIALS_CHECK_SECONDS
            if self.credentials.expires_at is not None:
                until_expiry = (self.credentials.expires_at - timezone.now()).total_seconds()
                wait = min(wait, max(until_expiry, 0))
            await asyncio.sleep(wait)
            try:
                await self._check_credentials()
            except Exception:
                logger.exception("The credentials of a live-updates socket could not be checked")
                # Not again at once, even when the token's expiry has passed.
                await asyncio.sleep(settings.LIVE_CREDENTIALS_CHECK_SECONDS)

    async def _credentials_still_hold(self) -> bool:
        """Whether the credentials still hold (else the socket is closed): free until the
        token's expiry has passed, a database check after it."""
        if self.credentials is None or not self.credentials.expired():
            return True
        return await self._check_credentials()

    async def _check_credentials(self) -> bool:
        standing = await database_sync_to_async(self.credentials.standing)()
        if standing.valid:
            self.credentials.expires_at = standing.expires_at
            return True
        await self._close_unauthenticated()
        return False

    async def _close_unauthenticated(self) -> None:
        if self.closing:
            return
        self.closing = True
        # Nothing more reaches the socket while the client acknowledges the close.
        await self._leave_groups()
        await self.close(code=CLOSE_UNAUTHENTICATED)

    async def _leave_groups(self) -> None:
        if self.organization_id is not None:
            await self.channel_layer.group_discard(
                group_name(self.organization_id), self.channel_name
            )
        if self.credentials is not None:
            await self.channel_layer.group_discard(
                user_group_name(self.credentials.user_id), self.channel_name
            )

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

    async def _authenticate(self, offered: list[str]) -> tuple[Credentials, User, str | None]:
        """The credentials, their user and the subprotocol to accept (the token, when it came
        that way)."""
        user = self.scope.get("user")
        if user is not None and user.is_authenticated:
            session_key = self.scope["session"].session_key
            return Credentials(user_id=str(user.pk), session_key=session_key), user, None
        key = _query(self.scope).get("token")
        # A token in the query string is the only one tried; else each subprotocol offered.
        candidates = [(key, None)] if key else [(offer, offer) for offer in offered]
        for candidate, subprotocol in candidates:
            token = await database_sync_to_async(selectors.api_token)(candidate)
            if token is not None:
                credentials = Credentials(
                    user_id=str(token.user_id), token_digest=token.digest, expires_at=token.expiry
                )
                return credentials, token.user, subprotocol
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
