"""What every benchmark shares: a PostgreSQL database to run in, timing, query listings."""

from __future__ import annotations

import time
from collections.abc import Callable


def timed(apply: Callable[[], object]) -> float:
    started = time.perf_counter()
    apply()
    return time.perf_counter() - started


def count_queries(run: Callable[[], object]) -> int:
    """How many statements `run` sends, however many (Django's query log keeps 9000)."""
    from django.db import connection

    sent = 0

    def counter(execute, sql, params, many, context):
        nonlocal sent
        sent += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        run()
    return sent


def print_queries(queries) -> None:
    captured = queries.captured_queries
    updates = [q for q in captured if q["sql"].startswith('UPDATE "campaigns_campaign"')]
    print(f"  {len(captured)} queries, {len(updates)} UPDATE of campaigns_campaign:")
    for query in captured:
        sql = query["sql"] if len(query["sql"]) <= 90 else query["sql"][:89] + "…"
        print(f"    {float(query['time']) * 1000:7.1f} ms  {sql}")
