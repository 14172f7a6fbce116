"""The webhook at the limit: requests/s, p50 and p99 at concurrency 1, 16 and 64.

    .venv/bin/python -m bench load                     # also part of `make bench`
    DATABASE_POOL=false .venv/bin/python -m bench load # a database connection per request
    WEB_CONCURRENCY=1 .venv/bin/python -m bench load   # one server process

Starts the server `make run` starts (Uvicorn) with docker-compose.yml's production settings
(DEBUG off, a SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, the webhook app secret, REDIS_URL, the psycopg
pool, the database task backend, whose worker is not started here, and .env.example's two
worker processes) on a scratch PostgreSQL database `pytake_bench_load` it creates, migrates and
drops; the URLs are bench.urls, the project's plus a bare view answering 200 with no work. 200
templates, two active campaigns each. An asyncio + httpx client on loopback then POSTs, for at
most MAX_REQUESTS or MAX_SECONDS per figure: to the bare view; signed new deliveries of one
status or quality change each, every one newer than its template's last; those same bodies
again (the redelivery path); category changes, news that changes only its template (recorded
and announced, nothing else follows); and deliveries of a field PyTake ignores (a message's
status, as a business subscribed to `messages` sends by the thousand a minute). The statements
per delivery are counted in one request each, in a process of their own with the same settings.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from cryptography.fernet import Fernet

SERVER_URL = "postgres://postgres@127.0.0.1:5432"
SCRATCH_DATABASE = os.environ.get("BENCH_DATABASE", "pytake_bench") + "_load"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
APP_SECRET = "bench-app-secret"
WEBHOOK_PATH = "/api/v1/whatsapp/webhook"
BARE_PATH = "/bench/bare"
CONCURRENCY = (1, 16, 64)
MAX_REQUESTS = 1500
MAX_SECONDS = 10.0
WARM_UP = 30
# Meta's event times: each delivery's is later than the last, so each one changes its template.
EVENT_TIMES = itertools.count(1_800_000_000)


def run() -> None:
    with scratch_database(SCRATCH_DATABASE):
        env = server_env(SCRATCH_DATABASE)
        print(f"Scratch database {SCRATCH_DATABASE}: migrating, 200 templates…", flush=True)
        prepared = prepare(env)
        print(
            f"Statements per delivery of one change (one request each): new "
            f"{prepared['statements']['new']}, redelivery {prepared['statements']['redelivery']}, "
            f"category {prepared['statements']['category']}, "
            f"ignored {prepared['statements']['ignored']}; "
            f"bare view {prepared['statements']['bare']}"
        )
        print(
            f"Server: WEB_CONCURRENCY={env['WEB_CONCURRENCY']} processes, "
            f"DATABASE_POOL={env.get('DATABASE_POOL', '') or 'off'}"
        )
        _measure(prepared["templates"], env)


@contextmanager
def scratch_database(name: str) -> Iterator[None]:
    """An empty PostgreSQL database `name` (what a broken run left is dropped first), dropped
    again when the block ends."""
    server_statement(f"DROP DATABASE IF EXISTS {name}")
    server_statement(f"CREATE DATABASE {name}")
    try:
        yield
    finally:
        server_statement(f"DROP DATABASE IF EXISTS {name}")


def server_env(database: str) -> dict[str, str]:
    """The server's production settings on the scratch database `database`."""
    return {
        "DATABASE_URL": f"{SERVER_URL}/{database}",
        "REDIS_URL": os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL,
        "DEBUG": "false",
        "SECRET_KEY": "bench-secret-key-" + "x" * 40,
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "WHATSAPP_WEBHOOK_APP_SECRET": APP_SECRET,
        "PYTAKE_URLCONF": "bench.urls",
        "LOG_LEVEL": "ERROR",
        "DATABASE_POOL": os.environ.get("DATABASE_POOL", "true"),
        # Uvicorn's worker processes, as .env.example sets them for docker-compose.yml's web.
        "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "2"),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
    }


def server_statement(statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as server:
        server.execute(statement)


def prepare(env: dict[str, str]) -> dict:
    """`_setup` run in a process of its own with the server's settings `env`: the templates
    ({"meta_template_id", "name"} each) and the statements of one delivery ({"new",
    "redelivery", "bare"}), as {"templates", "statements"}."""
    setup = subprocess.run(
        [sys.executable, "-m", "bench.load", "--setup"],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(setup.stdout.strip().splitlines()[-1])


class Deliveries:
    """Signed single-change bodies: new ones in turn over the templates, and those sent."""

    def __init__(self, templates: list[dict[str, str]]) -> None:
        from bench.deliveries import CHANGES, WABA_ID

        self.templates = templates
        self.changes = CHANGES
        self.waba_id = WABA_ID
        self.next = 0
        self.sent: list[tuple[bytes, dict[str, str]]] = []
        self.again = 0
        self.ignored_count = 0
        self.category_count = 0

    def new(self) -> tuple[str, bytes, dict[str, str]]:
        from templates_app.meta import encode, quality_update_body, status_update_body

        template = self.templates[self.next % len(self.templates)]
        kind, value = self.changes[(self.next // len(self.templates)) % len(self.changes)]
        self.next += 1
        named = {
            "waba_id": self.waba_id,
            "template_id": template["meta_template_id"],
            "name": template["name"],
            "occurred_at": next(EVENT_TIMES),
        }
        if kind == "status":
            body = encode(status_update_body(event=value, **named))
        else:
            body = encode(quality_update_body(new_quality=value, **named))
        headers = _signed(body)
        self.sent.append((body, headers))
        return WEBHOOK_PATH, body, headers

    def redelivery(self) -> tuple[str, bytes, dict[str, str]]:
        body, headers = self.sent[self.again % len(self.sent)]
        self.again += 1
        return WEBHOOK_PATH, body, headers

    def category(self) -> tuple[str, bytes, dict[str, str]]:
        """News that changes only its template: its category, UTILITY and MARKETING in turn over
        the templates. It is recorded and announced; nothing else follows from it."""
        from templates_app.meta import category_update_body, encode

        template = self.templates[self.category_count % len(self.templates)]
        turn = self.category_count // len(self.templates)
        self.category_count += 1
        new, previous = ("UTILITY", "MARKETING") if turn % 2 == 0 else ("MARKETING", "UTILITY")
        body = encode(
            category_update_body(
                waba_id=self.waba_id,
                template_id=template["meta_template_id"],
                name=template["name"],
                new_category=new,
                previous_category=previous,
                occurred_at=next(EVENT_TIMES),
            )
        )
        return WEBHOOK_PATH, body, _signed(body)

    def ignored(self) -> tuple[str, bytes, dict[str, str]]:
        """A distinct delivery of the `messages` field, which PyTake keeps but does not apply."""
        self.ignored_count += 1
        status = {
            "id": f"wamid.bench{self.ignored_count}",
            "status": "delivered",
            "timestamp": str(next(EVENT_TIMES)),
            "recipient_id": "15550002222",
        }
        change = {
            "field": "messages",
            "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "15550001111", "phone_number_id": "1065403"},
                "statuses": [status],
            },
        }
        body = json.dumps(
            {
                "object": "whatsapp_business_account",
                "entry": [{"id": self.waba_id, "time": 0, "changes": [change]}],
            }
        ).encode()
        return WEBHOOK_PATH, body, _signed(body)

    def bare(self) -> tuple[str, bytes, dict[str, str]]:
        body, headers = self.sent[0]
        return BARE_PATH, body, headers


def _signed(body: bytes) -> dict[str, str]:
    from templates_app.meta import SIGNATURE_HEADER, sign

    return {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(body, app_secret=APP_SECRET),
    }


def _measure(templates: list[dict[str, str]], env: dict[str, str]) -> None:
    with served(env) as port:
        results = asyncio.run(all_figures(port, Deliveries(templates)))
    print_figures(results)


@contextmanager
def served(env: dict[str, str]) -> Iterator[int]:
    """The port of Uvicorn, as `make run` starts it, serving with `env` until the block ends."""
    # Not bench.server's: Uvicorn takes a socket passed by --fd for a Unix one and leaves Nagle
    # on, so every answer waited 40 ms for an ACK; this one binds as `make run` does.
    from tests.servers import asgi_server

    os.environ["PYTAKE_ASGI_SERVER"] = "uvicorn"  # the Makefile's `run`
    with asgi_server(env) as address:
        yield int(address.rsplit(":", 1)[1])


def print_figures(
    results: dict, *, requests: int = MAX_REQUESTS, seconds: float = MAX_SECONDS
) -> None:
    """The table of `all_figures`, and each webhook's rate beside the bare view's."""
    print(f"\nAt most {requests} requests or {seconds:.0f} s per figure, on loopback.")
    print(f"{'':12} {'concurrency':>11} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for (name, concurrency), (count, seconds, latencies, statuses) in results.items():
        p50, p99 = percentiles(latencies)
        unexpected = {code: n for code, n in statuses.items() if code != 200}
        print(
            f"{name:12} {concurrency:>11} {count:>8} {count / seconds:>8.1f} "
            f"{p50 * 1000:>8.1f} {p99 * 1000:>8.1f}"
            + (f"  not 200: {unexpected}" if unexpected else "")
        )
    for concurrency in CONCURRENCY:
        bare = _rate(results[("bare", concurrency)])
        ratios = ", ".join(
            f"{name} {_rate(result) / bare:.2f}"
            for (name, at), result in results.items()
            if at == concurrency and name != "bare"
        )
        print(f"webhook/bare at concurrency {concurrency}: {ratios}")


async def all_figures(
    port: int, deliveries: Deliveries, *, requests: int = MAX_REQUESTS, seconds: float = MAX_SECONDS
) -> dict:
    """Each figure of the table, keyed by (name, concurrency), after an untimed warm-up; each
    of at most `requests` requests or `seconds`."""
    import httpx

    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", transport=_transport(httpx.Limits()), timeout=60
    ) as client:
        # Untimed: the process's first requests load URLs, views and connections.
        for make in (deliveries.new, deliveries.bare) * WARM_UP:
            path, body, headers = make()
            (await client.post(path, content=body, headers=headers)).raise_for_status()
    results = {}
    for concurrency in CONCURRENCY:
        for name, make in (
            ("bare", deliveries.bare),
            ("new", deliveries.new),
            ("redelivery", deliveries.redelivery),
            ("category", deliveries.category),
            ("ignored", deliveries.ignored),
        ):
            results[(name, concurrency)] = await figure(
                port, make, concurrency, requests=requests, seconds=seconds
            )
            print(f"  {name} at {concurrency}: done", flush=True)
    return results


async def figure(
    port: int,
    make: Callable[[], tuple[str, bytes, dict[str, str]]],
    concurrency: int,
    *,
    requests: int = MAX_REQUESTS,
    seconds: float = MAX_SECONDS,
) -> tuple[int, float, list[float], Counter]:
    """(requests, seconds, latencies, answers) of `concurrency` clients POSTing in a loop, until
    `requests` are issued or `seconds` have passed."""
    import httpx

    latencies: list[float] = []
    statuses: Counter = Counter()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", transport=_transport(limits), timeout=60
    ) as client:
        started = time.perf_counter()
        deadline = started + seconds
        issued = 0

        async def one_client() -> None:
            nonlocal issued
            while issued < requests and time.perf_counter() < deadline:
                issued += 1
                path, body, headers = make()
                sent = time.perf_counter()
                try:
                    answer = await client.post(path, content=body, headers=headers)
                except httpx.TransportError as error:  # counted and shown, not timed
                    statuses[type(error).__name__] += 1
                    continue
                latencies.append(time.perf_counter() - sent)
                statuses[answer.status_code] += 1

        await asyncio.gather(*(one_client() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return len(latencies), elapsed, latencies, statuses


def _transport(limits):
    """The client's sockets without Nagle's algorithm, as load generators set them."""
    import httpx

    return httpx.AsyncHTTPTransport(
        limits=limits, socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
    )


def _rate(result: tuple[int, float, list[float], Counter]) -> float:
    return result[0] / result[1]


def percentiles(latencies: list[float]) -> tuple[float, float]:
    """p50 and p99 of `latencies`."""
    if len(latencies) < 2:
        return latencies[0], latencies[0]
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return cuts[49], cuts[98]


def _setup() -> None:
    """In the server's settings: migrate, create the templates, count one delivery's statements."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pytake.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from bench.deliveries import bench_templates
    from bench.support import count_queries

    call_command("migrate", verbosity=0)
    templates = [
        {"meta_template_id": t.meta_template_id, "name": t.name} for t in bench_templates()
    ]
    # One template's full cycle of changes (paused, reinstated, red, green), timed before the
    # load's: it ends where it began, so the load starts with every template alike.
    global EVENT_TIMES
    EVENT_TIMES = itertools.count(1_700_000_000)
    counted = Deliveries(templates[:1])
    client = Client(SERVER_NAME="127.0.0.1")

    def post(request: tuple[str, bytes, dict[str, str]]) -> None:
        post_in_process(client, request)

    statements = {
        "new": count_queries(lambda: post(counted.new())),
        "redelivery": count_queries(lambda: post(counted.redelivery())),
        "category": count_queries(lambda: post(counted.category())),
        "ignored": count_queries(lambda: post(counted.ignored())),
        "bare": count_queries(lambda: post(counted.bare())),
    }
    for _ in counted.changes[1:]:
        post(counted.new())
    print(json.dumps({"templates": templates, "statements": statements}))


def post_in_process(client, request: tuple[str, bytes, dict[str, str]]) -> None:
    """POST one of `Deliveries`' requests through Django's test `client`; anything but 200 fails."""
    path, body, headers = request
    answer = client.post(path, data=body, content_type="application/json", headers=headers)
    if answer.status_code != 200:
        raise RuntimeError(f"{path}: {answer.status_code} {answer.content[:200]!r}")


if __name__ == "__main__" and sys.argv[1:] == ["--setup"]:
    _setup()
