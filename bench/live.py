"""500 sockets of one organization on one server: from webhook POST to message, p50 and p99.

    .venv/bin/python -m bench.live                  # also part of `make bench`
    REDIS_URL=redis://127.0.0.1:6379/5 .venv/bin/python -m bench.live

Runs twice: the server on Redis (REDIS_URL, else redis://127.0.0.1:6379/0; skipped with a
note when unreachable), then on the in-memory layer. Each run starts one server process (the
one `make run` uses), sends it one untimed warm-up webhook, connects CLIENTS sockets with an
API token from CLIENT_PROCESSES client processes, then POSTs ROUNDS signed quality webhooks one
after the other, each once every socket has the previous message. A latency is from just
before a POST to the moment one socket has read its message. A scratch PostgreSQL database
`pytake_bench_live` is created, migrated and dropped.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import multiprocessing
import os
import statistics
import sys
import time
from collections.abc import Sequence

CLIENTS = 500
ROUNDS = 20
# The clients read their sockets in a few processes, as browsers would on their own machines.
CLIENT_PROCESSES = 4
SERVER_URL = "postgres://postgres@127.0.0.1:5432"
SCRATCH_DATABASE = "pytake_bench_live"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
APP_SECRET = "bench-app-secret"
RECEIVE_TIMEOUT = 10
WEBHOOK_PATH = "/api/v1/whatsapp/webhook"
# Meta's event times, later at every webhook of every run: an older one would be stale.
EVENT_TIMES = itertools.count(1_800_000_000)


def main() -> int:
    _server(f"DROP DATABASE IF EXISTS {SCRATCH_DATABASE}")
    _server(f"CREATE DATABASE {SCRATCH_DATABASE}")
    os.environ["DATABASE_URL"] = f"{SERVER_URL}/{SCRATCH_DATABASE}"
    os.environ["WHATSAPP_WEBHOOK_APP_SECRET"] = APP_SECRET
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pytake.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    try:
        print(f"Scratch database {SCRATCH_DATABASE}: migrating…", flush=True)
        call_command("migrate", verbosity=0)
        template, token = _organization()
        connections.close_all()
        redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
        unreachable = _unreachable(redis_url)
        if unreachable:
            print(f"Redis: skipped, nothing answers at {redis_url} ({unreachable})")
        else:
            _report(f"Redis ({redis_url})", _run(template, token, {"REDIS_URL": redis_url}))
        _report("in-memory layer", _run(template, token, {"REDIS_URL": ""}))
    finally:
        connections.close_all()
        _server(f"DROP DATABASE IF EXISTS {SCRATCH_DATABASE}")
    return 0


def _organization():
    from knox.models import AuthToken

    from bench.support import bench_template
    from organizations.models import User

    template = bench_template(slug="live", first_id=990000000000011, quality_score="GREEN")
    user = User.objects.create(organization=template.organization, username="bench-member")
    return template, AuthToken.objects.create(user=user)[1]


def _unreachable(url: str) -> str:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        return str(error)
    return ""


def _run(template, token: str, env: dict[str, str]) -> tuple[str, list[float], list[float]]:
    from tests.servers import asgi_server, project_server

    server_env = {
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "WHATSAPP_WEBHOOK_APP_SECRET": APP_SECRET,
        "LOG_LEVEL": "INFO",
        **env,
    }
    with asgi_server(server_env) as address:
        latencies, posts = _measure(address, template, token)
    return project_server(), latencies, posts


def _measure(address: str, template, token: str) -> tuple[list[float], list[float]]:
    """POST the webhooks one by one; each waits until every socket has its message."""
    import httpx

    from templates_app.meta import SIGNATURE_HEADER, encode, quality_update_body, sign

    def webhook(round_number: int) -> tuple[bytes, dict[str, str]]:
        body = encode(
            quality_update_body(
                waba_id=template.business_account.waba_id,
                new_quality="RED" if round_number % 2 == 0 else "GREEN",
                previous_quality=None,
                template_id=template.meta_template_id,
                name=template.name,
                occurred_at=next(EVENT_TIMES),
            )
        )
        return body, {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(body, app_secret=APP_SECRET),
        }

    # The process's first webhook loads URLs, views and connections: a warm-up, heard by nobody.
    body, headers = webhook(1)
    httpx.post(f"http://{address}{WEBHOOK_PATH}", content=body, headers=headers).raise_for_status()
    context = multiprocessing.get_context("spawn")
    events = context.Queue()
    shares = [
        CLIENTS // CLIENT_PROCESSES + (n < CLIENTS % CLIENT_PROCESSES)
        for n in range(CLIENT_PROCESSES)
    ]
    workers = [
        context.Process(target=_client_process, args=(address, token, share, events))
        for share in shares
    ]
    for worker in workers:
        worker.start()
    try:
        for _ in workers:
            assert events.get(timeout=120) == "connected"
        started_at: list[float] = []
        posts: list[float] = []
        with httpx.Client(base_url=f"http://{address}") as http:
            for round_number in range(ROUNDS):
                body, headers = webhook(round_number)
                started_at.append(time.perf_counter())
                http.post(WEBHOOK_PATH, content=body, headers=headers).raise_for_status()
                posts.append(time.perf_counter() - started_at[-1])
                for _ in workers:
                    assert events.get(timeout=RECEIVE_TIMEOUT) == ("received", round_number)
        latencies: list[float] = []
        for _ in workers:
            arrivals = events.get(timeout=RECEIVE_TIMEOUT)
            latencies.extend(at - started_at[number] for number, at in arrivals)
    finally:
        for worker in workers:
            worker.join(timeout=RECEIVE_TIMEOUT)
            if worker.is_alive():
                worker.kill()
    return latencies, posts


def _client_process(address: str, token: str, sockets: int, events) -> None:
    """Hold `sockets` sockets; tell when all have a round's message, then every arrival time.

    `time.perf_counter` is the system's monotonic clock on Linux, so the times compare with
    the parent's.
    """
    asyncio.run(_clients(address, token, sockets, events))


async def _clients(address: str, token: str, count: int, events) -> None:
    from websockets.asyncio.client import connect

    url = f"ws://{address}/ws/updates/?token={token}"
    origin = {"Origin": f"http://{address}"}
    sockets = []
    for _ in range(count):  # one by one: a burst of handshakes would measure the backlog
        socket = await connect(url, additional_headers=origin, max_queue=None)
        await socket.recv()  # hello
        sockets.append(socket)
    events.put("connected")
    waiting = [count] * ROUNDS
    arrivals: list[tuple[int, float]] = []

    async def listen(socket) -> None:
        for round_number in range(ROUNDS):
            # Other messages the change may cause (an alert) are not the one timed.
            while json.loads(await socket.recv())["type"] != "template.quality_changed":
                pass
            arrivals.append((round_number, time.perf_counter()))
            waiting[round_number] -= 1
            if waiting[round_number] == 0:
                events.put(("received", round_number))

    try:
        await asyncio.gather(*(listen(socket) for socket in sockets))
    finally:
        await asyncio.gather(*(socket.close() for socket in sockets))
    events.put(arrivals)


def _report(label: str, result: tuple[str, list[float], list[float]]) -> None:
    server, latencies, posts = result
    print(f"\n{label}, {server}: {CLIENTS} sockets, {ROUNDS} webhooks, {len(latencies):,} messages")
    # On a shared machine the figures follow its load: print it beside them.
    print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(
        f"  POST → message: p50 {_percentile(latencies, 50):.1f} ms, "
        f"p99 {_percentile(latencies, 99):.1f} ms, max {max(latencies) * 1000:.1f} ms"
    )
    print(f"  POST answered:  p50 {_percentile(posts, 50):.1f} ms, max {max(posts) * 1000:.1f} ms")


def _percentile(values: Sequence[float], percent: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1] * 1000


def _server(statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as server:
        server.execute(statement)


if __name__ == "__main__":
    sys.exit(main())
