"""The scheduler: every periodic job declared once, each period run once across replicas."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from django.core.management import call_command
from django.db import connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from live.models import LiveMessage
from scheduling import services
from scheduling.jobs import JOBS, ScheduledJob
from scheduling.models import JobRun
from scheduling.scheduler import build_scheduler
from templates_app.tasks import apply_webhook_delivery
from tests import factories

FIRED_AT = datetime(2026, 12, 4, 13, 0, 0, 200_000, tzinfo=UTC)


def counting_job(name: str, calls: list[str], *, cron=None, tolerance=None) -> ScheduledJob:
    def run() -> str:
        calls.append(threading.current_thread().name)
        return "counted"

    return ScheduledJob(
        name=name,
        run=run,
        cron=cron or {"minute": "*"},
        description="Counts its runs.",
        **({"tolerance": tolerance} if tolerance else {}),
    )


def test_every_periodic_job_is_declared_once_with_its_schedule():
    names = [job.name for job in JOBS]

    assert len(names) == len(set(names))
    assert set(names) >= {
        "check_template_health",
        "send_notifications",
        "sync_templates",
        "prune_webhook_deliveries",
        "prune_live_messages",
        "prune_task_results",
        "end_expired_restrictions",
    }
    out = StringIO()
    call_command("run_scheduler", "--list", stdout=out)
    for job in JOBS:
        assert job.name in out.getvalue()
        assert job.trigger.get_next_fire_time(None, FIRED_AT) is not None


@pytest.mark.django_db
def test_every_declared_job_runs_against_the_database():
    for job in JOBS:
        run = services.run_job(job=job, fired_at=FIRED_AT)

        assert run is not None
        assert run.status == JobRun.Status.SUCCEEDED, f"{job.name}: {run.error}"
        assert run.result


@pytest.mark.django_db
def test_pruning_job_deletes_live_messages_past_their_retention(settings, organization):
    settings.LIVE_MESSAGE_RETENTION_DAYS = 7
    old = factories.LiveMessageFactory(
        organization=organization, created_at=timezone.now() - timedelta(days=8)
    )
    recent = factories.LiveMessageFactory(organization=organization)
    job = next(job for job in JOBS if job.name == "prune_live_messages")

    run = services.run_job(job=job, fired_at=timezone.now())

    assert run.result == "Deleted 1 live messages."
    assert list(LiveMessage.objects.values_list("pk", flat=True)) == [recent.pk]
    assert old.pk != recent.pk


@pytest.mark.django_db
def test_pruning_job_deletes_finished_task_results_past_their_retention(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.TASK_RESULT_RETENTION_DAYS = 14
    old = apply_webhook_delivery.enqueue(1)
    recent = apply_webhook_delivery.enqueue(2)
    DBTaskResult.objects.filter(pk=old.id).update(
        status="SUCCESSFUL", finished_at=timezone.now() - timedelta(days=15)
    )
    DBTaskResult.objects.filter(pk=recent.id).update(
        status="SUCCESSFUL", finished_at=timezone.now() - timedelta(days=1)
    )
    job = next(job for job in JOBS if job.name == "prune_task_results")

    run = services.run_job(job=job, fired_at=timezone.now())

    assert run.result == "Deleted 1 finished task results."
    assert [str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)] == [recent.id]


@pytest.mark.django_db
def test_a_period_runs_once_whatever_each_replicas_clock_says():
    calls: list[str] = []
    job = counting_job("counted", calls)

    first = services.run_job(job=job, fired_at=FIRED_AT)
    late = services.run_job(job=job, fired_at=FIRED_AT + timedelta(seconds=12))
    early = services.run_job(job=job, fired_at=FIRED_AT - timedelta(seconds=3))
    next_minute = services.run_job(job=job, fired_at=FIRED_AT + timedelta(minutes=1))

    assert first.period == datetime(2026, 12, 4, 13, 0, tzinfo=UTC)
    assert (late, early) == (None, None)
    assert next_minute.period == datetime(2026, 12, 4, 13, 1, tzinfo=UTC)
    assert len(calls) == 2


@pytest.mark.django_db
def test_failing_job_is_recorded_and_logged_with_its_name_and_the_next_period_runs(caplog):
    attempts: list[datetime] = []

    def fail_once() -> str:
        attempts.append(timezone.now())
        if len(attempts) == 1:
            raise RuntimeError("Graph API unreachable")
        return "recovered"

    job = ScheduledJob(name="flaky", run=fail_once, cron={"minute": "*"}, description="Flaky.")

    with caplog.at_level(logging.INFO, logger="scheduling"):
        failed = services.run_job(job=job, fired_at=FIRED_AT)
        recovered = services.run_job(job=job, fired_at=FIRED_AT + timedelta(minutes=1))

    assert failed.status == JobRun.Status.FAILED
    assert failed.error == "RuntimeError: Graph API unreachable"
    assert recovered.status == JobRun.Status.SUCCEEDED
    failures = [r for r in caplog.records if r.getMessage().startswith("scheduler.job_failed")]
    assert len(failures) == 1
    assert failures[0].levelno == logging.ERROR
    assert failures[0].job == "flaky"
    assert "flaky" in failures[0].getMessage()


@pytest.mark.django_db(transaction=True)
def test_two_scheduler_replicas_against_one_database_fire_each_job_once_per_period(caplog):
    calls: list[str] = []
    every_second = counting_job(
        "every_second", calls, cron={"second": "*"}, tolerance=timedelta(milliseconds=400)
    )
    replicas = [
        build_scheduler([every_second], scheduler_class=BackgroundScheduler) for _ in range(2)
    ]

    with caplog.at_level(logging.DEBUG, logger="scheduling"):
        for replica in replicas:
            replica.start()
        time.sleep(4.5)
        for replica in replicas:
            replica.shutdown(wait=True)
    connections.close_all()

    runs = list(JobRun.objects.filter(job="every_second").order_by("period"))
    skipped = [r for r in caplog.records if r.getMessage().startswith("scheduler.job_skipped")]
    assert len(runs) >= 3
    assert len(calls) == len(runs)  # one call per period, never two
    assert all(run.status == JobRun.Status.SUCCEEDED for run in runs)
    assert len(skipped) >= len(runs) - 1  # the other replica fired too, and stood aside
