"""No token in a URL reaches a log line: the access log of the real server included."""

from __future__ import annotations

import logging

import httpx
import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections
from websockets.asyncio.client import connect

from pytake.log_redaction import RedactSecrets
from tests import factories
from tests.organizations.conftest import token_for
from tests.servers import asgi_server, server_env

SECRET = "7bafd090c0ffee5ecret"


def configured_handler() -> logging.Handler:
    """The root handler LOGGING configured (pytest adds its own capturing ones)."""
    return next(
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, RedactSecrets) for f in handler.filters)
    )


def logged_line(logger: str, message: str, *args: object) -> str:
    handler = configured_handler()
    record = logging.getLogger(logger).makeRecord(logger, logging.INFO, "", 0, message, args, None)
    assert handler.filter(record)
    return handler.format(record)


@pytest.mark.parametrize("name", sorted(settings.LOGGING["handlers"]))
def test_every_configured_handler_redacts(name):
    assert "redact_secrets" in settings.LOGGING["handlers"][name].get("filters", [])


@pytest.mark.parametrize(
    ("logger", "message", "args", "shown"),
    [
        (
            "uvicorn.access",
            '%s - "%s %s HTTP/%s" %d',
            (
                "127.0.0.1:50000",
                "GET",
                f"/ws/updates/?organization=5c7e&token={SECRET}",
                "1.1",
                403,
            ),
            '"GET /ws/updates/?organization=5c7e&token=[redacted] HTTP/1.1" 403',
        ),
        (
            "uvicorn.error",
            '%s - "WebSocket %s" [accepted]',
            ("127.0.0.1:50000", f"/ws/updates/?token={SECRET}"),
            '"WebSocket /ws/updates/?token=[redacted]" [accepted]',
        ),
        (
            "django.request",
            "Forbidden: %s",
            (f"/api/v1/whatsapp/webhook?hub.mode=subscribe&hub.verify_token={SECRET}",),
            "hub.mode=subscribe&hub.verify_token=[redacted]",
        ),
        (
            "pytake",
            "fetched %s",
            (httpx.URL(f"https://graph.facebook.com/v21.0/me?access_token={SECRET}"),),
            "me?access_token=[redacted]",
        ),
    ],
    ids=["access log", "websocket accepted", "verify token", "not a string"],
)
def test_a_secret_query_value_is_redacted_from_the_line(logger, message, args, shown):
    line = logged_line(logger, message, *args)

    assert SECRET not in line
    assert shown in line


def test_other_query_values_are_kept():
    line = logged_line("uvicorn.access", "%s", "/api/v1/templates/?monkey=1&status=PAUSED")

    assert line.endswith("/api/v1/templates/?monkey=1&status=PAUSED")


@pytest.mark.postgres
@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("webhook_settings")
async def test_the_running_servers_log_holds_no_token():
    token = await sync_to_async(lambda: token_for(factories.UserFactory()))()
    verify_token = "the-verify-token-" + SECRET
    output: list[str] = []
    env = server_env(WHATSAPP_WEBHOOK_VERIFY_TOKEN=verify_token)

    with asgi_server(env, output=output) as address:
        async with connect(
            f"ws://{address}/ws/updates/?token={token}",
            additional_headers={"Origin": f"http://{address}"},
        ) as socket:
            assert '"hello"' in await socket.recv()
        async with httpx.AsyncClient() as client:
            handshake = await client.get(
                f"http://{address}/api/v1/whatsapp/webhook",
                params={
                    "hub.mode": "subscribe",
                    "hub.verify_token": verify_token,
                    "hub.challenge": "1158201444",
                },
            )
        assert handshake.text == "1158201444"

    await sync_to_async(connections.close_all)()  # the test's own, opened in a worker thread
    log = "".join(output)
    assert "/ws/updates/?token=[redacted]" in log
    assert "hub.verify_token=[redacted]" in log
    assert token not in log
    assert SECRET not in log
