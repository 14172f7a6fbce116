"""Fixtures for the live-updates socket: connect as someone, read frames, close cleanly."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest_asyncio
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.test import Client
from knox.models import AuthToken

from pytake.asgi import application
from tests.webhooks import signed_post

UPDATES_PATH = "/ws/updates/"
ORIGIN = (b"origin", b"http://testserver")


@pytest_asyncio.fixture
async def live() -> AsyncIterator[Callable[..., WebsocketCommunicator]]:
    """Make sockets on the real ASGI application; disconnect them and the database after."""
    opened: list[WebsocketCommunicator] = []

    def socket(
        path: str = UPDATES_PATH,
        *,
        headers: list[tuple[bytes, bytes]] | None = None,
        subprotocols: list[str] | None = None,
    ) -> WebsocketCommunicator:
        communicator = WebsocketCommunicator(
            application, path, headers=[ORIGIN, *(headers or [])], subprotocols=subprotocols
        )
        opened.append(communicator)
        return communicator

    await get_channel_layer().flush()
    yield socket
    for communicator in opened:
        await communicator.disconnect()
    # Consumers open database connections in worker threads: close them there (channels#2118).
    await sync_to_async(connections.close_all)()


def token_for(user: Any) -> str:
    return AuthToken.objects.create(user=user)[1]


def session_cookie(user: Any) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


async def connect_as(live: Callable[..., WebsocketCommunicator], user: Any, query: str = ""):
    """A socket authenticated by the user's token, connected, its hello read and returned."""
    token = await sync_to_async(token_for)(user)
    separator = "&" if query else ""
    socket = live(f"{UPDATES_PATH}?{query}{separator}token={token}")
    connected, _ = await socket.connect()
    assert connected
    hello = await socket.receive_json_from()
    assert hello["type"] == "hello"
    return socket, hello


async def closed_with(socket: WebsocketCommunicator) -> int | None:
    """The close code of a socket the server accepted and then closed."""
    connected, _ = await socket.connect()
    assert connected
    output = await socket.receive_output()
    assert output["type"] == "websocket.close"
    return output.get("code")


async def post_webhook(body: dict[str, Any]):
    return await sync_to_async(signed_post)(Client(), body)
