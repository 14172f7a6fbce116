"""Pause (and resume) 10,000 campaigns through the webhook's own service."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bench.support import bench_template, print_queries, timed

CAMPAIGNS = 10_000
ROUNDS = 5


def run() -> None:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from campaigns.models import Campaign
    from templates_app.meta import StatusEvent, StatusUpdate, TemplateRef
    from templates_app.services.state_machine import apply_template_event

    template = bench_template(slug="pause", first_id=990000000000001)
    organization, account = template.organization, template.business_account
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
        pause_times.append(timed(pause))
        resume_times.append(timed(resume))

    for label, queries, times in (
        ("PAUSED event: pause", paused_queries, pause_times),
        ("REINSTATED event: resume", resumed_queries, resume_times),
    ):
        print(f"{label} {CAMPAIGNS:,} campaigns, {ROUNDS} rounds:")
        print(
            f"  median {statistics.median(times) * 1000:.0f} ms, "
            f"min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms"
        )
        print_queries(queries)
        print()
