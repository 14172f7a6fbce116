"""Scaled out: two servers and two task workers on one PostgreSQL and one Redis.

One server is a single process; the other runs two Uvicorn worker processes behind its one port
(WEB_CONCURRENCY=2, as docker-compose.yml's web does). Deliveries acknowledged by either server
(WEBHOOK_PROCESSING=async) are applied by either task worker, each exactly once, and the newest
event of each template wins whatever the order; the live updates they cause reach sockets on
both servers.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import redis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections
from websockets.asyncio.client import connect

from campaigns.models import Campaign
from templates_app.meta import SIGNATURE_HEADER, encode, sign, status_update_body
from templates_app.models import WebhookDelivery, WhatsAppTemplate
from tests import factories
from tests.organizations.conftest import token_for
from tests.servers import PROJECT_DIR, asgi_server, server_env
from tests.webhooks import TEST_APP_SECRET, WEBHOOK_URL

pytestmark = [
    # Other processes share the test's database only on PostgreSQL.
    pytest.mark.postgres,
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("webhook_settings"),
]

T0 = 1_795_000_000
DELIVERIES = 24
APPLIED_WITHIN_SECONDS = 60
EVENTS = ["PAUSED", "REINSTATED", "DISABLED", "FLAGGED"]
STATUS_OF_EVENT = {"PAUSED": "PAUSED", "REINSTATED": "APPROVED", "DISABLED": "DISABLED"}
STATUS_OF_EVENT["FLAGGED"] = "FLAGGED"


@pytest.fixture
def redis_url() -> str:
    url = settings.REDIS_URL or "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        pytest.skip(f"No Redis at {url} ({error}): the scale-out test needs one.")
    return url


@contextmanager
def task_worker(env: dict[str, str]) -> Iterator[subprocess.Popen]:
    """`manage.py db_worker`, as docker-compose.yml runs it, until the test is done."""
    process = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--interval", "0.1"],
        cwd=PROJECT_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "pytake.settings", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def bodies_for(templates: list[WhatsAppTemplate]) -> tuple[list[bytes], dict]:
    """Distinct status deliveries over the templates, each later than the last; the newest event
    of each template."""
    bodies, newest = [], {}
    for n in range(DELIVERIES):
        template = templates[n % len(templates)]
        event = EVENTS[(n // len(templates)) % len(EVENTS)]
        bodies.append(
            encode(
                status_update_body(
                    waba_id=template.business_account.waba_id,
                    event=event,
                    template_id=template.meta_template_id,
                    name=template.name,
                    occurred_at=T0 + n,
                )
            )
        )
        newest[template.pk] = event
    # Sent newest first: the workers see the events out of order, as Meta may send them.
    return bodies[::-1], newest


async def post(client: httpx.AsyncClient, body: bytes) -> httpx.Response:
    return await client.post(
        WEBHOOK_URL,
        content=body,
        headers={
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(body, app_secret=TEST_APP_SECRET),
        },
    )


async def messages_until_quiet(socket, *, quiet_seconds: float = 2.0) -> list[dict]:
    messages = []
    while True:
        try:
            messages.append(json.loads(await asyncio.wait_for(socket.recv(), quiet_seconds)))
        except TimeoutError:
            return messages


def all_applied() -> bool:
    deliveries = WebhookDelivery.objects.all()
    return deliveries.count() == DELIVERIES and not deliveries.exclude(status="processed").exists()


async def test_two_servers_and_two_workers_apply_each_delivery_once_in_order(redis_url):
    number = await sync_to_async(factories.PhoneNumberFactory)()
    templates = [
        await sync_to_async(factories.WhatsAppTemplateFactory)(phone_number=number)
        for _ in range(3)
    ]
    for template in templates:
        await sync_to_async(factories.CampaignFactory.create_batch)(
            2, template=template, auto_resume=True
        )
    member = await sync_to_async(factories.UserFactory)(
        organization=number.business_account.organization
    )
    token = await sync_to_async(token_for)(member)
    bodies, newest = bodies_for(templates)
    env = server_env(
        REDIS_URL=redis_url,
        WEBHOOK_PROCESSING="async",
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
    )

    with (
        asgi_server(env) as first,
        asgi_server({**env, "WEB_CONCURRENCY": "2"}) as second,
        task_worker(env),
        task_worker(env),
    ):
        sockets = [
            await connect(
                f"ws://{server}/ws/updates/?token={token}",
                additional_headers={"Origin": f"http://{server}"},
            )
            for server in (first, second)
        ]
        for socket in sockets:
            assert json.loads(await socket.recv())["type"] == "hello"
        async with (
            httpx.AsyncClient(base_url=f"http://{first}") as one,
            httpx.AsyncClient(base_url=f"http://{second}") as other,
        ):
            responses = await asyncio.gather(
                *(post((one, other)[n % 2], body) for n, body in enumerate(bodies))
            )
        deadline = time.monotonic() + APPLIED_WITHIN_SECONDS
        while not await sync_to_async(all_applied)() and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        heard = [await messages_until_quiet(socket) for socket in sockets]
        for socket in sockets:
            await socket.close()

    assert [response.status_code for response in responses] == [200] * DELIVERIES
    assert {response.json()["status"] for response in responses} == {"received"}
    deliveries = await sync_to_async(list)(WebhookDelivery.objects.values("status", "attempts"))
    assert deliveries == [{"status": "processed", "attempts": 1}] * DELIVERIES
    for template in templates:
        await sync_to_async(template.refresh_from_db)()
        assert template.status == STATUS_OF_EVENT[newest[template.pk]], template.name
        paused = await sync_to_async(
            Campaign.objects.filter(template=template, status=Campaign.Status.PAUSED).count
        )()
        assert paused == (2 if template.status in ("PAUSED", "DISABLED") else 0)
    # Both servers' sockets heard the same messages, each once. (Two workers commit side by
    # side, so ids may arrive out of order; a resume from the last id fills any gap.)
    ids = [[message["id"] for message in messages] for messages in heard]
    assert ids[0] and sorted(ids[0]) == sorted(ids[1])
    assert len(set(ids[0])) == len(ids[0])
    await sync_to_async(connections.close_all)()
