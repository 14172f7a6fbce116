"""Request bodies refused before they are read: an ASGI middleware in front of Django.

Django's ASGI handler reads a whole body before any view runs, so a view cannot refuse a
500 MB POST in time. This middleware answers 413 as soon as the headers declare too much
(`Content-Length`), without reading a byte of the body, and counts a body without a length
(chunked) as it streams, cutting it at the limit: the application sees the client as gone,
and the client gets the 413. The webhook has its own, smaller limit.

It needs a server that hands the body over as it arrives (Uvicorn does; Daphne buffers the
whole body before the application runs).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from functools import cache
from typing import Any

from django.conf import settings
from django.urls import reverse

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@cache
def _webhook_path() -> str:
    return reverse("whatsapp-webhook").rstrip("/")


def body_limit_for(path: str) -> int:
    """The largest body, in bytes, accepted for `path`."""
    if path.rstrip("/") == _webhook_path():
        return settings.WHATSAPP_WEBHOOK_MAX_BODY_BYTES
    return settings.MAX_REQUEST_BODY_BYTES


def _declared_length(scope: Scope) -> int | None:
    """The Content-Length header as a number; -1 when it is not one."""
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            return int(value) if value.strip().isdigit() else -1
    return None


def _json_response(status: int, detail: str) -> tuple[Message, Message]:
    body = json.dumps({"detail": detail}).encode()
    start = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ],
    }
    return start, {"type": "http.response.body", "body": body}


class BodyTooLarge(Exception):
    """The body streamed past its limit."""


class BodyLimitMiddleware:
    """Wraps an ASGI application; see the module's docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit_for(scope["path"])
        declared = _declared_length(scope)
        if declared == -1:
            await self._answer(send, 400, "Content-Length is not a number.")
            return
        if declared is not None and declared > limit:
            await self._answer(send, 413, f"Request body exceeds {limit} bytes.")
            return

        received = 0
        cut = False
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received, cut
            if cut:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Stop reading: the application sees a client that went away.
                    cut = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if cut and not response_started:
                return  # the 413 below is the answer
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        await self.app(scope, counting_receive, guarded_send)
        if cut and not response_started:
            await self._answer(send, 413, f"Request body exceeds {limit} bytes.")

    @staticmethod
    async def _answer(send: Send, status: int, detail: str) -> None:
        for message in _json_response(status, detail):
            await send(message)
