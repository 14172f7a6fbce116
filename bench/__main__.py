"""Benchmarks on PostgreSQL, never part of `make test`.

    make bench                          # every benchmark
    .venv/bin/python -m bench pause     # only the named ones
    DATABASE_URL=postgres://... make bench

With a PostgreSQL DATABASE_URL each benchmark runs in one transaction that is rolled back; else a
scratch database `pytake_bench` (or $BENCH_DATABASE) is created on
postgres://postgres@127.0.0.1:5432, migrated, used (each delivery or event committed) and dropped.
"""

from __future__ import annotations

import importlib
import os
import sys

SERVER_URL = "postgres://postgres@127.0.0.1:5432"
# Its own name per run lets two people (or two checkouts) bench on one server at once.
SCRATCH_DATABASE = os.environ.get("BENCH_DATABASE", "pytake_bench")
POSTGRES_SCHEMES = ("postgres://", "postgresql://", "pgsql://")

# Each is a module of this package with a `run()`; in this order.
BENCHMARKS = [
    "pause",
    "deliveries",
    "sync",
    "monitoring",
    "metrics",
    "request",
    "load",
    "burst",
    "login_storm",
]


def main(names: list[str]) -> int:
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        print(f"Unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}.")
        return 2
    scratch = not os.environ.get("DATABASE_URL", "").startswith(POSTGRES_SCHEMES)
    if scratch:
        _create_scratch_database()
        os.environ["DATABASE_URL"] = f"{SERVER_URL}/{SCRATCH_DATABASE}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pytake.settings")
    os.environ.setdefault("LOG_LEVEL", "ERROR")  # the webhook service logs each change
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    try:
        if scratch:
            print(f"Scratch database {SCRATCH_DATABASE}: migrating…", flush=True)
            call_command("migrate", verbosity=0)
        _describe_database(scratch=scratch)
        for name in names or BENCHMARKS:
            print(f"\n=== {name}")
            _run(importlib.import_module(f"bench.{name}").run, scratch=scratch)
    finally:
        connections.close_all()
        for wrapper in connections.all():  # DATABASE_POOL=true: its connections too
            if hasattr(wrapper, "close_pool"):
                wrapper.close_pool()
        if scratch:
            _drop_scratch_database()
    return 0


def _describe_database(*, scratch: bool) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(f"PostgreSQL {version}, database {connection.settings_dict['NAME']}")
    if scratch:
        print("Each delivery or event commits, as in production.")
    else:
        print("Each benchmark in one transaction, rolled back; constraints checked immediately.")


def _run(benchmark, *, scratch: bool) -> None:
    from django.db import connection, transaction

    if scratch:
        benchmark()
        return
    # A database that is not ours: one transaction, rolled back. Deferred foreign-key checks
    # run at each statement instead of at a commit that never comes, so they are timed too.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        benchmark()
        transaction.set_rollback(True)


def _server(statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as server:
        server.execute(statement)


def _create_scratch_database() -> None:
    _server(f"DROP DATABASE IF EXISTS {SCRATCH_DATABASE}")
    _server(f"CREATE DATABASE {SCRATCH_DATABASE}")


def _drop_scratch_database() -> None:
    _server(f"DROP DATABASE IF EXISTS {SCRATCH_DATABASE}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
