"""The webhook's cost per request, in-process: no server, no network, no client on the cores.

    .venv/bin/python -m bench request                     # also part of `make bench`
    DATABASE_POOL=false .venv/bin/python -m bench request # a database connection per request

In a process of its own with `load`'s server settings (production's, on a scratch PostgreSQL
database `pytake_bench_request` created, migrated and dropped), Django's test client POSTs
`load`'s signed deliveries to the webhook's URL through the whole middleware stack, one after
the other: 200 templates with two active campaigns each, one status or quality change a
delivery, each a real change (every template in turn paused, red, reinstated, green). Reported:
the median time a delivery takes and this process's CPU time per delivery
(`time.process_time`: the Python and psycopg of the request, not PostgreSQL's own work).
"""

from __future__ import annotations

import itertools
import os
import statistics
import subprocess
import sys
import time

from bench.load import SCRATCH_DATABASE as LOAD_DATABASE
from bench.load import scratch_database, server_env

SCRATCH_DATABASE = LOAD_DATABASE.removesuffix("_load") + "_request"
WARM_UP = 20
DELIVERIES = 800


def run() -> None:
    with scratch_database(SCRATCH_DATABASE):
        env = server_env(SCRATCH_DATABASE)
        print(f"DATABASE_POOL={env['DATABASE_POOL']}, {DELIVERIES} deliveries", flush=True)
        subprocess.run(
            [sys.executable, "-m", "bench.request", "--measure"],
            env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "pytake.settings"},
            check=True,
        )


def _measure() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    import bench.load
    from bench.deliveries import bench_templates

    call_command("migrate", verbosity=0)
    templates = [
        {"meta_template_id": t.meta_template_id, "name": t.name} for t in bench_templates()
    ]
    bench.load.EVENT_TIMES = itertools.count(1_700_000_000)
    deliveries = bench.load.Deliveries(templates)
    requests = [deliveries.new() for _ in range(WARM_UP + DELIVERIES)]
    client = Client(SERVER_NAME="127.0.0.1")

    for request in requests[:WARM_UP]:
        bench.load.post_in_process(client, request)
    times = []
    cpu = time.process_time()
    for request in requests[WARM_UP:]:
        started = time.perf_counter()
        bench.load.post_in_process(client, request)
        times.append(time.perf_counter() - started)
    cpu = time.process_time() - cpu
    print(
        f"new delivery of one change: median {statistics.median(times) * 1000:.1f} ms, "
        f"CPU of this process {cpu / DELIVERIES * 1000:.1f} ms a delivery; "
        f"load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__" and sys.argv[1:] == ["--measure"]:
    _measure()
