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


def bench_template(*, slug: str, first_id: int, **fields: object):
    """An organization with one business account, number and APPROVED template, for a bench.

    `first_id` numbers the WABA, the phone number and the template (three ids in a row), so
    benches that share a scratch database never collide.
    """
    from organizations.models import Organization
    from templates_app.models import BusinessAccount, PhoneNumber, WhatsAppTemplate

    organization = Organization.objects.create(name=f"Bench {slug}", slug=f"bench-{slug}")
    account = BusinessAccount.objects.create(
        organization=organization, waba_id=str(first_id), name="Bench WABA"
    )
    number = PhoneNumber.objects.create(
        business_account=account, phone_number_id=str(first_id + 1), display_phone_number="+1"
    )
    return WhatsAppTemplate.objects.create(
        organization=organization,
        business_account=account,
        phone_number=number,
        meta_template_id=str(first_id + 2),
        name="bench_update",
        language="en_US",
        status="APPROVED",
        **fields,
    )
