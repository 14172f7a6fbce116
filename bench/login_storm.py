"""Meta's webhook during a storm of anonymous logins: its latency, and what the logins got.

    .venv/bin/python -m bench login_storm                   # also part of `make bench`
    WEB_CONCURRENCY=1 .venv/bin/python -m bench login_storm # one server process

The server of `bench.load` (Uvicorn as `make run` starts it, docker-compose.yml's production
settings, the psycopg pool, Redis, two worker processes) on a scratch PostgreSQL database
`pytake_bench_login_storm` it creates, migrates and drops, with 200 templates; passwords are
hashed with production's hasher. Every login comes from 127.0.0.1 here, so the per-IP limit is
raised for this server only (LOGIN_FAILURE_LIMIT_PER_IP): the storm stands for one from many
addresses, each login a wrong password for a username of its own, so each one reaches the
password check unless the hashing bound refuses it.

First, two bursts at one username each, on users the bench creates: ONE_USERNAME_BURST wrong
passwords at once (how many were checked, 400, and how many refused, 429), then RIGHT_LAST_BURST
wrong ones at once with the right password sent just after them (what it got). Then, for
QUIET_SECONDS, one client POSTs signed new deliveries one after the other: the
webhook's latency with nothing else running. Then STORM_CLIENTS clients each POST to
/api/v1/auth/token in a loop for STORM_SECONDS (an attacker does not wait for Retry-After),
while the same webhook client goes on: its latency during the storm, and the answers of both.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import socket
import subprocess
import sys
import time
from collections import Counter

from bench.load import Deliveries, percentiles, prepare, scratch_database, served, server_env

SCRATCH_DATABASE = os.environ.get("BENCH_DATABASE", "pytake_bench") + "_login_storm"
TOKEN_PATH = "/api/v1/auth/token"
STORM_CLIENTS = 80
STORM_SECONDS = 15.0
QUIET_SECONDS = 5.0
ONE_USERNAME_BURST = 60
RIGHT_LAST_BURST = 39
PASSWORD = "bench-correct-horse"
# Usernames of this run only: Redis keeps the login counters of earlier runs for 15 minutes.
RUN = f"{time.time_ns():x}"
BURST_USERS = (f"burst-wrong-{RUN}", f"burst-right-last-{RUN}")
CREATE_USERS = f"""
import django
django.setup()
from organizations.models import Organization, User
organization = Organization.objects.create(name="Bench logins", slug="bench-logins-{RUN}")
for username in {BURST_USERS!r}:
    User.objects.create_user(username, password={PASSWORD!r}, organization=organization)
"""
WARM_UP = 20
USERNAMES = itertools.count()


def run() -> None:
    with scratch_database(SCRATCH_DATABASE):
        env = {
            **server_env(SCRATCH_DATABASE),
            "LOGIN_FAILURE_LIMIT_PER_IP": "1000000",
            "LOG_LEVEL": "CRITICAL",  # each 500 of a storm would be logged with its traceback
        }
        print(f"Scratch database {SCRATCH_DATABASE}: migrating, 200 templates…", flush=True)
        templates = prepare(env)["templates"]
        subprocess.run([sys.executable, "-c", CREATE_USERS], env={**os.environ, **env}, check=True)
        hashes = os.environ.get("LOGIN_MAX_CONCURRENT_HASHES")
        print(
            f"Server: WEB_CONCURRENCY={env['WEB_CONCURRENCY']} processes, "
            f"DATABASE_POOL={env.get('DATABASE_POOL') or 'off'}"
            + (f", LOGIN_MAX_CONCURRENT_HASHES={hashes}" if hashes else "")
        )
        with served(env) as port:
            bursts, (quiet, storm, logins) = asyncio.run(_measure(port, Deliveries(templates)))
    wrong, (right_last_wrong, right_last) = bursts
    print(f"{ONE_USERNAME_BURST} wrong passwords for one username at once: answers {dict(wrong)}")
    print(
        f"{RIGHT_LAST_BURST} wrong passwords for one username at once, then the right one: "
        f"answers {dict(right_last_wrong)}, the right password {right_last}"
    )
    _print_webhook("webhook, quiet", quiet)
    _print_webhook(f"webhook, {STORM_CLIENTS} logins at once", storm)
    count, seconds, latencies, statuses = logins
    p50, p99 = percentiles(latencies)
    print(
        f"logins: {count} in {seconds:.1f} s ({count / seconds:.1f}/s), p50 {p50 * 1000:.0f} ms, "
        f"p99 {p99 * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms; answers {dict(statuses)}"
    )


async def _measure(port: int, deliveries: Deliveries) -> tuple[tuple, tuple]:
    import httpx

    transport = httpx.AsyncHTTPTransport(
        limits=httpx.Limits(max_connections=STORM_CLIENTS + 1),
        socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
    )
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", transport=transport, timeout=120
    ) as client:
        for _ in range(WARM_UP):  # untimed: URLs, views and connections loaded
            path, body, headers = deliveries.new()
            (await client.post(path, content=body, headers=headers)).raise_for_status()
        bursts = (
            await _burst(client, BURST_USERS[0], ONE_USERNAME_BURST),
            await _right_password_last(client, BURST_USERS[1], RIGHT_LAST_BURST),
        )
        quiet = await _webhooks(client, deliveries, until=time.perf_counter() + QUIET_SECONDS)
        deadline = time.perf_counter() + STORM_SECONDS
        logins, storm = await asyncio.gather(
            _logins(client, until=deadline), _webhooks(client, deliveries, until=deadline)
        )
    return bursts, (quiet, storm, logins)


async def _login(client, username: str, password: str) -> int | str:
    try:
        answer = await client.post(TOKEN_PATH, json={"username": username, "password": password})
    except Exception as error:  # a transport error, shown by name
        return type(error).__name__
    return answer.status_code


async def _burst(client, username: str, wrong: int) -> Counter:
    """The answers to `wrong` wrong passwords for `username`, sent at once."""
    return Counter(await asyncio.gather(*(_login(client, username, "wrong") for _ in range(wrong))))


async def _right_password_last(client, username: str, wrong: int) -> tuple[Counter, int | str]:
    """`wrong` wrong passwords for `username` at once, the right one sent just after them."""
    burst = asyncio.ensure_future(_burst(client, username, wrong))
    await asyncio.sleep(0.5)  # every wrong one has reached the server
    right = await _login(client, username, PASSWORD)
    return await burst, right


async def _webhooks(client, deliveries: Deliveries, *, until: float) -> tuple:
    """(count, seconds, latencies, answers) of signed new deliveries POSTed one at a time."""
    latencies: list[float] = []
    statuses: Counter = Counter()
    started = time.perf_counter()
    while time.perf_counter() < until:
        path, body, headers = deliveries.new()
        await _timed_post(client, path, latencies, statuses, content=body, headers=headers)
    return len(latencies), time.perf_counter() - started, latencies, statuses


async def _logins(client, *, until: float) -> tuple:
    """(count, seconds, latencies, answers) of STORM_CLIENTS clients logging in in a loop."""
    latencies: list[float] = []
    statuses: Counter = Counter()
    started = time.perf_counter()

    async def one_client() -> None:
        while time.perf_counter() < until:
            login = {"username": f"storm-{RUN}-{next(USERNAMES)}", "password": "not-the-password"}
            await _timed_post(client, TOKEN_PATH, latencies, statuses, json=login)

    await asyncio.gather(*(one_client() for _ in range(STORM_CLIENTS)))
    return len(latencies), time.perf_counter() - started, latencies, statuses


async def _timed_post(client, path: str, latencies: list, statuses: Counter, **request) -> None:
    import httpx

    sent = time.perf_counter()
    try:
        answer = await client.post(path, **request)
    except httpx.TransportError as error:  # counted and shown, not timed
        statuses[type(error).__name__] += 1
        return
    latencies.append(time.perf_counter() - sent)
    statuses[answer.status_code] += 1


def _print_webhook(name: str, result: tuple) -> None:
    count, seconds, latencies, statuses = result
    if not latencies:
        print(f"{name}: no answer in {seconds:.1f} s; {dict(statuses)}")
        return
    p50, p99 = percentiles(latencies)
    print(
        f"{name}: {count} in {seconds:.1f} s, p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
        f"max {max(latencies) * 1000:.0f} ms; answers {dict(statuses)}"
    )
