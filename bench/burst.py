"""Acknowledge first: the webhook with WEBHOOK_PROCESSING=async, and a burst its workers drain.

    .venv/bin/python -m bench burst                     # also part of `make bench`
    DATABASE_POOL=false .venv/bin/python -m bench burst # a database connection per request, task

The deployment of docker-compose.yml on one machine: one Uvicorn server with the settings of
`bench.load` plus WEBHOOK_PROCESSING=async and TASKS_BACKEND=django_tasks_db.DatabaseBackend,
and `manage.py db_worker` processes with the same settings (the psycopg pool included), on a
scratch PostgreSQL database `pytake_bench_burst` created, migrated and dropped; 200 templates,
two active campaigns each.

First the acknowledgement alone, with no worker running: `bench.load`'s table (the bare view,
new deliveries, the same bodies again; at most FIGURE_REQUESTS requests or FIGURE_SECONDS per
line) on this server, each delivery stored and its task queued, nothing applied. Then what that
left waiting (deliveries and queued tasks) is deleted, not applied: at a worker's pace it would
take minutes. For 1, then 2 fresh workers, a burst of BURST new deliveries is POSTed at
concurrency BURST_CONCURRENCY, each newer than its template's last event and a real change of it
(the bursts continue one cycle of paused, red, reinstated, green over the templates). The
figures: how long the POSTs took; from the first POST until every delivery was applied (the last
`processed_at`); each delivery's wait from `received_at` (when the server stored it) to
`processed_at` (when a worker had applied it); the outcome of every change; the tasks run
meanwhile (the alerts' notifications share the workers' queue); and any delivery not
`processed`, or never stored because its POST failed. Before the next burst, the
notifications still queued are deleted too.

The workers run as the tests' do (`--no-startup-delay --interval 0.1`), and the burst starts
once each has logged that it polls. Production's defaults differ in two ways that would blur
these figures and nothing else: a random pause of up to 1 s after start (a guard against workers
restarting all at once), and a 1 s sleep whenever the queue is empty, so the burst's first
delivery could wait up to 1 s more. A worker that finds a task never sleeps, so through a burst
the interval costs nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.load import (
    SERVER_URL,
    Deliveries,
    all_figures,
    figure,
    percentiles,
    prepare,
    print_figures,
    scratch_database,
    served,
    server_env,
)

SCRATCH_DATABASE = os.environ.get("BENCH_DATABASE", "pytake_bench") + "_burst"
ASYNC_SETTINGS = {
    "WEBHOOK_PROCESSING": "async",
    "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
}
# The acknowledgement's table: shorter figures than bench.load's, to leave time for the bursts.
FIGURE_REQUESTS = 1000
FIGURE_SECONDS = 5.0
BURST = 1000
BURST_CONCURRENCY = 64
WORKERS = (1, 2)
WORKER_COMMAND = ["manage.py", "db_worker", "--no-startup-delay", "--interval", "0.1"]
WORKER_POLLING = "Starting worker"  # what db_worker logs just before its first poll
WORKER_START_SECONDS = 30
WORKER_STOP_SECONDS = 10
APPLIED_WITHIN_SECONDS = 180  # after the burst's POSTs; then what is left is reported
POLL_SECONDS = 0.1


def run() -> None:
    print(f"Load average at the start: {_load()}")
    with scratch_database(SCRATCH_DATABASE):
        env = {**server_env(SCRATCH_DATABASE), **ASYNC_SETTINGS}
        print(f"Scratch database {SCRATCH_DATABASE}: migrating, 200 templates…", flush=True)
        prepared = prepare(env)
        statements = prepared["statements"]
        print(
            f"Statements per async delivery of one change (one request each, acknowledged, not "
            f"applied): new {statements['new']}, redelivery of one still waiting "
            f"{statements['redelivery']}; bare view {statements['bare']}"
        )
        print(f"Server and workers' pool: DATABASE_POOL={env['DATABASE_POOL'] or 'off'}")
        templates = prepared["templates"]
        with served(env) as port, _database() as db:
            print("\nAcknowledgement alone: no worker runs, every delivery waits as received.")
            limits = {"requests": FIGURE_REQUESTS, "seconds": FIGURE_SECONDS}
            print_figures(asyncio.run(all_figures(port, Deliveries(templates), **limits)), **limits)
            bursts = Deliveries(templates)  # one cycle of changes through every burst
            for workers in WORKERS:
                _burst(port, bursts, workers, env, db)
    print(f"\nLoad average at the end: {_load()}")


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} (1 min), {five:.1f} (5 min), {fifteen:.1f} (15 min) on {os.cpu_count()} CPUs"


@contextmanager
def _database() -> Iterator:
    """A connection to the scratch database, each statement its own transaction."""
    import psycopg

    with psycopg.connect(f"{SERVER_URL}/{SCRATCH_DATABASE}", autocommit=True) as db:
        yield db


def _burst(port: int, deliveries: Deliveries, workers: int, env: dict[str, str], db) -> None:
    waiting, tasks = _clear_backlog(db)
    print(
        f"\nBurst of {BURST} new deliveries at concurrency {BURST_CONCURRENCY}, {workers} "
        f"worker(s); load average {os.getloadavg()[0]:.1f}. Deleted first, not applied: "
        f"{waiting} waiting deliveries, {tasks} queued task(s)."
    )
    with task_workers(workers, env):
        first_post = time.time()
        posted, seconds, latencies, answers = asyncio.run(
            figure(port, deliveries.new, BURST_CONCURRENCY, requests=BURST, seconds=math.inf)
        )
        digests = [hashlib.sha256(body).hexdigest() for body, _ in deliveries.sent[-BURST:]]
        seen_applied = _wait_until_applied(db, digests) - first_post
    p50, p99 = percentiles(latencies)
    unexpected = {code: n for code, n in answers.items() if code != 200}
    print(
        f"  ingest: {posted} answered in {seconds:.2f} s, {posted / seconds:.1f} req/s, "
        f"p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms"
        + (f"; not 200: {unexpected}" if unexpected else "")
    )
    _report_applied(db, digests, first_post, seen_applied)


def _clear_backlog(db) -> tuple[int, int]:
    """Delete the deliveries still waiting and every task's row: (deliveries, tasks not yet run)
    deleted."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from templates_app.models import WebhookDelivery
    from templates_app.services.deliveries import WAITING_STATUSES

    waiting = [status.value for status in WAITING_STATUSES]
    deliveries = db.execute(
        f"DELETE FROM {WebhookDelivery._meta.db_table} WHERE status = ANY(%s)", [waiting]
    ).rowcount
    [queued] = db.execute(
        f"SELECT count(*) FROM {DBTaskResult._meta.db_table} WHERE status = %s",
        [TaskResultStatus.READY.value],
    ).fetchone()
    db.execute(f"DELETE FROM {DBTaskResult._meta.db_table}")
    return deliveries, queued


def _wait_until_applied(db, digests: list[str]) -> float:
    """The time (time.time()) the poll first finds none of these deliveries still `received`."""
    from templates_app.models import WebhookDelivery

    deadline = time.monotonic() + APPLIED_WITHIN_SECONDS
    while time.monotonic() < deadline:
        [waiting] = db.execute(
            f"SELECT count(*) FROM {WebhookDelivery._meta.db_table} "
            "WHERE body_sha256 = ANY(%s) AND status = %s",
            [digests, WebhookDelivery.Status.RECEIVED.value],
        ).fetchone()
        if not waiting:
            break
        time.sleep(POLL_SECONDS)
    return time.time()


def _report_applied(db, digests: list[str], first_post: float, seen_applied: float) -> None:
    """Each delivery's POST → applied wait, the changes' outcomes, the tasks the workers ran (the
    deliveries' and the alerts' notifications), and any delivery not `processed`."""
    from django_tasks_db.models import DBTaskResult

    from templates_app.models import WebhookDelivery

    table = WebhookDelivery._meta.db_table
    rows = db.execute(
        f"SELECT id, status, received_at, processed_at, error FROM {table} "
        "WHERE body_sha256 = ANY(%s)",
        [digests],
    ).fetchall()
    processed, others = [], []
    for row in rows:
        (processed if row[1] == WebhookDelivery.Status.PROCESSED.value else others).append(row)
    if processed:
        waits = [(row[3] - row[2]).total_seconds() for row in processed]
        p50, p99 = percentiles(waits)
        last = max(row[3] for row in processed).timestamp() - first_post
        print(
            f"  applied: {len(processed)} of {len(digests)}, the last {last:.2f} s after the "
            f"first POST ({len(processed) / last:.1f} deliveries/s; the poll saw it at "
            f"{seen_applied:.2f} s)"
        )
        print(
            f"  received_at → processed_at: p50 {p50:.2f} s, p99 {p99:.2f} s, "
            f"max {max(waits):.2f} s"
        )
    outcomes = db.execute(
        f"SELECT change->>'result', count(*) FROM {table}, jsonb_array_elements(outcomes) change "
        "WHERE body_sha256 = ANY(%s) GROUP BY 1 ORDER BY 1",
        [digests],
    ).fetchall()
    print(f"  changes: {', '.join(f'{count} {result}' for result, count in outcomes)}")
    tasks = db.execute(
        f"SELECT task_path, status, count(*) FROM {DBTaskResult._meta.db_table} "
        "GROUP BY 1, 2 ORDER BY 1, 2"
    ).fetchall()
    print(f"  tasks meanwhile: {', '.join(f'{n} {path} {status}' for path, status, n in tasks)}")
    missing = len(digests) - len(rows)
    if others or missing:
        statuses = dict(Counter(row[1] for row in others))
        print(f"  NOT processed: {statuses}, {missing} not stored")
        for pk, status, _, _, error in others[:10]:
            print(f"    delivery {pk}: {status} {error.strip().splitlines()[-1:]}")


@contextmanager
def task_workers(count: int, env: dict[str, str]) -> Iterator[None]:
    """`count` `manage.py db_worker` processes with the server's settings `env`, each polling
    before the block begins; stopped when it ends (a task under way is finished first)."""
    from tests.servers import PROJECT_DIR

    workers: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="bench-burst-") as logs:
        try:
            for n in range(count):
                with (Path(logs) / f"worker-{n}.log").open("w") as log:
                    workers.append(
                        subprocess.Popen(
                            [sys.executable, *WORKER_COMMAND],
                            cwd=PROJECT_DIR,
                            env={**os.environ, "DJANGO_SETTINGS_MODULE": "pytake.settings", **env},
                            stdout=log,
                            stderr=subprocess.STDOUT,
                        )
                    )
            _wait_until_polling(workers, Path(logs))
            yield
        finally:
            _stop(workers)


def _wait_until_polling(workers: list[subprocess.Popen], logs: Path) -> None:
    deadline = time.monotonic() + WORKER_START_SECONDS
    for n, worker in enumerate(workers):
        log = logs / f"worker-{n}.log"
        while WORKER_POLLING not in log.read_text():
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Worker {n} did not start:\n{log.read_text()}")
            time.sleep(0.05)


def _stop(workers: list[subprocess.Popen]) -> None:
    """SIGTERM to every worker at once; one still running after WORKER_STOP_SECONDS is killed,
    so that no run leaves a process behind."""
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=WORKER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            print(f"  worker {worker.pid} still ran {WORKER_STOP_SECONDS} s after SIGTERM: killed")
            worker.kill()
            worker.wait()
