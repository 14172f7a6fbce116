"""What a Prometheus scrape and a readiness probe cost over a large webhook_delivery table.

    .venv/bin/python -m bench metrics

DELIVERIES rows (a business receiving about five deliveries a minute for the 90 days they are
kept) are inserted with one INSERT … SELECT: processed, ignored (`messages`), a few rejected
and failed, over four of Meta's fields, and WAITING still `received`. Then `GET /metrics`'
database figures (pytake.metrics.DatabaseCollector: every aggregate query) and `/readyz`'s
checks are each timed ROUNDS times; the median and the worst are printed.
"""

from __future__ import annotations

import statistics
import time

DELIVERIES = 500_000
WAITING = 50
ROUNDS = 15
FIELDS = [
    "message_template_status_update",
    "message_template_quality_update",
    "template_category_update",
    "messages",
]


def run() -> None:
    from django.db import connection

    started = time.perf_counter()
    _generate()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if not connection.in_atomic_block else "ANALYZE")
    print(f"{DELIVERIES:,} deliveries generated in {time.perf_counter() - started:.0f} s.")

    from pytake.health import readiness
    from pytake.metrics import DatabaseCollector

    collector = DatabaseCollector()
    _report("GET /metrics, database figures", lambda: list(collector.collect()))
    _report("GET /readyz checks", readiness)


def _generate() -> None:
    from django.db import connection

    fields = "ARRAY[" + ", ".join(f"'{field}'" for field in FIELDS) + "]"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO templates_app_webhookdelivery
                (body, body_sha256, headers, received_at, status, fields, waba_ids, outcomes,
                 history, error, attempts, processed_at)
            SELECT convert_to('{{"n": ' || n || '}}', 'UTF8'),
                   md5(n::text) || md5((n + 1)::text),
                   '{{}}'::jsonb,
                   now() - (n || ' seconds')::interval * 15,
                   CASE WHEN n <= %(waiting)s THEN 'received'
                        WHEN n %% 1000 = 0 THEN 'failed'
                        WHEN n %% 997 = 0 THEN 'rejected'
                        WHEN n %% 4 = 3 THEN 'ignored'
                        ELSE 'processed' END,
                   ({fields})[1 + n %% 4],
                   '102290129340398',
                   '[]'::jsonb, '[]'::jsonb, '', 1, now()
            FROM generate_series(1, %(count)s) AS n
            """,
            {"count": DELIVERIES, "waiting": WAITING},
        )


def _report(name: str, call) -> None:
    call()  # warm: connection, imports, the migration loader's modules
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    print(f"{name:35} median {statistics.median(times):7.1f} ms   worst {max(times):7.1f} ms")
