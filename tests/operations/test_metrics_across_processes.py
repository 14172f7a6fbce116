"""Two server processes sharing one PROMETHEUS_MULTIPROC_DIR and one database: a scrape of
either reports what both did."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from websockets.asyncio.client import connect

from templates_app.meta import SIGNATURE_HEADER, encode, sign
from tests import factories
from tests.operations.conftest import METRICS_TOKEN, parse_samples, value
from tests.organizations.conftest import token_for
from tests.servers import asgi_server, server_env
from tests.test_scale_out import APPLIED_WITHIN_SECONDS, task_worker
from tests.webhooks import TEST_APP_SECRET, WEBHOOK_URL, template_status_body

pytestmark = [
    # Other processes share the test's database only on PostgreSQL.
    pytest.mark.postgres,
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("webhook_settings"),
]

T0 = 1_795_000_000


def signed(body: dict) -> dict:
    raw = encode(body)
    return {
        "content": raw,
        "headers": {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(raw, app_secret=TEST_APP_SECRET),
        },
    }


async def test_a_scrape_of_one_server_reports_both_servers_totals(tmp_path):
    number = await sync_to_async(factories.PhoneNumberFactory)()
    templates = [
        await sync_to_async(factories.WhatsAppTemplateFactory)(phone_number=number)
        for _ in range(5)
    ]
    member = await sync_to_async(factories.UserFactory)(
        organization=number.business_account.organization
    )
    key = await sync_to_async(token_for)(member)
    env = server_env(
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
        METRICS_TOKEN=METRICS_TOKEN,
        LOGIN_FAILURE_LIMIT_PER_USERNAME="1",
    )
    wrong_login = {"username": member.username, "password": "not-the-password"}

    with asgi_server(env) as first, asgi_server(env) as second:
        servers = (first, second)
        sockets = [
            await connect(
                f"ws://{server}/ws/updates/?token={key}",
                additional_headers={"Origin": f"http://{server}"},
            )
            for server in servers
        ]
        for socket in sockets:
            assert json.loads(await socket.recv())["type"] == "hello"
        async with (
            httpx.AsyncClient(base_url=f"http://{first}") as one,
            httpx.AsyncClient(base_url=f"http://{second}") as other,
        ):
            clients = (one, other)
            webhooks = [
                await clients[n % 2].post(
                    WEBHOOK_URL, **signed(template_status_body(template, "DISABLED", T0 + n))
                )
                for n, template in enumerate(templates)
            ]
            logins = [
                [
                    (await client.post("/api/v1/auth/token", json=wrong_login)).status_code
                    for _ in range(3)
                ]
                for client in clients
            ]
            scraped = await one.get(
                "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
            )
        for socket in sockets:
            await socket.close()

    assert [response.status_code for response in webhooks] == [200] * 5
    assert scraped.status_code == 200
    samples = parse_samples(scraped.text)
    # Three deliveries went to the first server, two to the second.
    changes = value(samples, "pytake_template_changes_applied_total", kind="status", source="meta")
    assert changes == 5
    assert value(samples, "pytake_webhook_delivery_apply_seconds_count") == 5
    assert value(samples, "pytake_webhook_delivery_apply_seconds_bucket", le="+Inf") == 5
    field = "message_template_status_update"
    assert value(samples, "pytake_webhook_deliveries", outcome="processed", field=field) == 5
    alert = {"severity": "CRITICAL", "kind": "TEMPLATE_DISABLED", "status": "OPEN"}
    assert value(samples, "pytake_alerts_open", **alert) == 5
    # One socket on each server.
    assert value(samples, "pytake_live_connections") == 2
    # Each server refused some logins (how many depends on whether they share Redis' counters).
    refused = [answers.count(429) for answers in logins]
    assert all(refused), logins
    assert value(samples, "pytake_logins_throttled_total") == sum(refused)
    await sync_to_async(connections.close_all)()


async def test_what_the_task_worker_applies_is_in_the_servers_scrape(tmp_path):
    """Async mode: the server stores, the worker applies; the worker's figures reach /metrics."""
    number = await sync_to_async(factories.PhoneNumberFactory)()
    templates = [
        await sync_to_async(factories.WhatsAppTemplateFactory)(phone_number=number)
        for _ in range(3)
    ]
    env = server_env(
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
        METRICS_TOKEN=METRICS_TOKEN,
        WEBHOOK_PROCESSING="async",
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
    )

    with asgi_server(env) as server, task_worker(env):
        async with httpx.AsyncClient(base_url=f"http://{server}") as client:
            for n, template in enumerate(templates):
                body = template_status_body(template, "PAUSED", T0 + n)
                assert (await client.post(WEBHOOK_URL, **signed(body))).status_code == 200
            deadline = time.monotonic() + APPLIED_WITHIN_SECONDS
            while time.monotonic() < deadline:
                scraped = await client.get(
                    "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
                )
                samples = parse_samples(scraped.text)
                # The worker records each figure as its commit ends: wait for the last one.
                if value(samples, "pytake_webhook_delivery_apply_seconds_count") >= 3:
                    break
                await asyncio.sleep(0.2)

    field = "message_template_status_update"
    assert value(samples, "pytake_webhook_deliveries", outcome="processed", field=field) == 3
    assert value(samples, "pytake_webhook_backlog_oldest_age_seconds") == 0
    # Applied in the worker's process, read from the shared directory by the server's.
    changes = value(samples, "pytake_template_changes_applied_total", kind="status", source="meta")
    assert changes == 3
    assert value(samples, "pytake_webhook_delivery_apply_seconds_count") == 3
    await sync_to_async(connections.close_all)()
