"""Redis stops while the service runs: webhooks still answer 200 and commit; when Redis
returns, live updates reach the sockets again, and a resume replays what was missed."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket as sockets
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from websockets.asyncio.client import connect

from templates_app.meta import SIGNATURE_HEADER, encode, quality_update_body, sign
from tests import factories
from tests.organizations.conftest import token_for
from tests.servers import asgi_server, server_env
from tests.webhooks import TEST_APP_SECRET, WEBHOOK_URL

pytestmark = [
    # The server is another process: it shares the test's database only on PostgreSQL.
    pytest.mark.postgres,
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("webhook_settings"),
]

REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with sockets.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def redis_on(port: int) -> Iterator[subprocess.Popen]:
    """A Redis of this test's own, so that stopping it stops nobody else's."""
    with tempfile.TemporaryDirectory() as directory:
        process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                directory,
            ],
            stdout=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    sockets.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.05)
            yield process
        finally:
            process.terminate()
            process.wait(timeout=10)


async def post_quality(client: httpx.AsyncClient, named: dict, quality: str, at: int):
    body = encode(quality_update_body(new_quality=quality, occurred_at=at, **named))
    signature = sign(body, app_secret=TEST_APP_SECRET)
    return await client.post(
        WEBHOOK_URL,
        content=body,
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature},
    )


async def next_message(socket, *, within: float) -> dict:
    return json.loads(await asyncio.wait_for(socket.recv(), timeout=within))


@pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")
async def test_webhooks_commit_while_redis_is_down_and_live_updates_return_with_it():
    template = await sync_to_async(factories.WhatsAppTemplateFactory)(quality_score="GREEN")
    named = await sync_to_async(
        lambda: {
            "waba_id": template.business_account.waba_id,
            "template_id": template.meta_template_id,
            "name": template.name,
        }
    )()
    member = await sync_to_async(factories.UserFactory)(organization=template.organization)
    token = await sync_to_async(token_for)(member)
    port = free_port()
    env = server_env(REDIS_URL=f"redis://127.0.0.1:{port}/0")

    with redis_on(port) as redis_process, asgi_server(env) as server:
        async with (
            httpx.AsyncClient(base_url=f"http://{server}") as http,
            connect(
                f"ws://{server}/ws/updates/?token={token}",
                additional_headers={"Origin": f"http://{server}"},
            ) as socket,
        ):
            hello = await next_message(socket, within=5)
            redis_process.terminate()
            redis_process.wait(timeout=10)

            during = await post_quality(http, named, "YELLOW", 1_795_000_000)

            await sync_to_async(template.refresh_from_db)()
            assert during.status_code == 200, during.text
            assert template.quality_score == "YELLOW"  # committed without Redis

            with redis_on(port):
                # The server's layer reconnects by itself; a webhook now reaches the socket.
                deadline = time.monotonic() + 20
                heard: list[dict] = []
                moment = 1_795_000_100
                while time.monotonic() < deadline and not heard:
                    quality = "RED" if moment % 2 == 0 else "GREEN"
                    after = await post_quality(http, named, quality, moment)
                    assert after.status_code == 200, after.text
                    moment += 1
                    try:
                        while True:
                            message = await next_message(socket, within=1)
                            if message["type"] == "template.quality_changed":
                                heard.append(message)
                                break
                    except TimeoutError:
                        continue
                assert heard, "no live update reached the socket after Redis came back"
                # What happened while Redis was down is not lost: a resume replays it.
                await socket.send(json.dumps({"type": "resume", "since": hello["last_id"]}))
                replayed = []
                try:
                    while True:
                        replayed.append(await next_message(socket, within=2))
                except TimeoutError:
                    pass
    assert any(
        m["type"] == "template.quality_changed" and m["quality_score"] == "YELLOW" for m in replayed
    )
    await sync_to_async(connections.close_all)()
