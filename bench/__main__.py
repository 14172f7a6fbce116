"""Pause (and resume) 10,000 campaigns on PostgreSQL through the webhook's own service.

    make bench                # = .venv/bin/python -m bench
    DATABASE_URL=postgres://... make bench

With a PostgreSQL DATABASE_URL the run happens in one transaction that is rolled back; else a
scratch database `pytake_bench` is created on postgres://postgres@127.0.0.1:5432, migrated,
used (each event committed) and dropped.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

CAMPAIGNS = 10_000
ROUNDS = 5
SERVER_URL = "postgres://postgres@127.0.0.1:5432"
SCRATCH_DATABASE = "pytake_bench"
POSTGRES_SCHEMES = ("postgres://", "postgresql://", "pgsql://")


def main() -> int:
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
        _run(scratch=scratch)
    finally:
        connections.close_all()
        if scratch:
            _drop_scratch_database()
    return 0


def _run(*, scratch: bool) -> None:
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(f"PostgreSQL {version}, database {connection.settings_dict['NAME']}")
    if scratch:
        print("Each event commits, as a webhook delivery does.")
        _bench()
        return
    # A database that is not ours: one transaction, rolled back. Deferred foreign-key checks
    # run at each statement instead of at a commit that never comes, so they are timed too.
    print("One transaction, rolled back at the end; constraints checked immediately.")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        _bench()
        transaction.set_rollback(True)


def _bench() -> None:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from campaigns.models import Campaign
    from organizations.models import Organization
    from templates_app.meta import StatusEvent, StatusUpdate, TemplateRef
    from templates_app.models import BusinessAccount, PhoneNumber, WhatsAppTemplate
    from templates_app.services.events import apply_template_event

    organization = Organization.objects.create(name="Bench", slug="bench-pause")
    account = BusinessAccount.objects.create(
        organization=organization, waba_id="990000000000001", name="Bench WABA"
    )
    number = PhoneNumber.objects.create(
        business_account=account, phone_number_id="990000000000002", display_phone_number="+1"
    )
    template = WhatsAppTemplate.objects.create(
        organization=organization,
        business_account=account,
        phone_number=number,
        meta_template_id="9900000000000003",
        name="bench_update",
        language="en_US",
        status="APPROVED",
    )
    Campaign.objects.bulk_create(
        (
            Campaign(
                organization=organization,
                template=template,
                name=f"Bench campaign {n}",
                status=Campaign.Status.SCHEDULED if n % 2 else Campaign.Status.ACTIVE,
                auto_resume=True,
            )
            for n in range(CAMPAIGNS)
        ),
        batch_size=2000,
    )
    # Campaigns the pause must leave alone: drafts of the same template.
    Campaign.objects.bulk_create(
        Campaign(organization=organization, template=template, name=f"Draft {n}")
        for n in range(1000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE campaigns_campaign")
    print(f"{CAMPAIGNS:,} ACTIVE/SCHEDULED campaigns (+1,000 drafts) on one template\n")

    ref = TemplateRef(template.meta_template_id, template.name, template.language)
    clock = iter(datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=m) for m in range(10_000))

    def event(name: StatusEvent) -> Callable[[], object]:
        def apply() -> object:
            update = StatusUpdate(
                waba_id=account.waba_id, template=ref, occurred_at=next(clock), event=name
            )
            with transaction.atomic():
                return apply_template_event(event=update, received_at=timezone.now())

        return apply

    pause, resume = event(StatusEvent.PAUSED), event(StatusEvent.REINSTATED)

    # Queries of one round, counted apart: capturing formats every statement, which costs time.
    with CaptureQueriesContext(connection) as paused_queries:
        pause()
    assert Campaign.objects.filter(status=Campaign.Status.PAUSED).count() == CAMPAIGNS
    with CaptureQueriesContext(connection) as resumed_queries:
        resume()
    assert Campaign.objects.filter(status=Campaign.Status.PAUSED).count() == 0

    pause_times, resume_times = [], []
    for _ in range(ROUNDS):
        pause_times.append(_timed(pause))
        resume_times.append(_timed(resume))

    for label, queries, times in (
        ("PAUSED event: pause", paused_queries, pause_times),
        ("REINSTATED event: resume", resumed_queries, resume_times),
    ):
        print(f"{label} {CAMPAIGNS:,} campaigns, {ROUNDS} rounds:")
        print(
            f"  median {statistics.median(times) * 1000:.0f} ms, "
            f"min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms"
        )
        _print_queries(queries)
        print()


def _timed(apply: Callable[[], object]) -> float:
    started = time.perf_counter()
    apply()
    return time.perf_counter() - started


def _print_queries(queries) -> None:
    captured = queries.captured_queries
    updates = [q for q in captured if q["sql"].startswith('UPDATE "campaigns_campaign"')]
    print(f"  {len(captured)} queries, {len(updates)} UPDATE of campaigns_campaign:")
    for query in captured:
        sql = query["sql"] if len(query["sql"]) <= 90 else query["sql"][:89] + "…"
        print(f"    {float(query['time']) * 1000:7.1f} ms  {sql}")


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
    sys.exit(main())
