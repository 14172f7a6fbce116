"""Running one period of a scheduled job, once, whichever replica gets there first."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from scheduling.models import JobRun

if TYPE_CHECKING:
    from scheduling.jobs import ScheduledJob

logger = logging.getLogger(__name__)


def claim_period(*, job_name: str, period: datetime) -> JobRun | None:
    """The run row for this job's period, or None when another replica claimed it first."""
    try:
        with transaction.atomic():
            return JobRun.objects.create(job=job_name, period=period, started_at=timezone.now())
    except IntegrityError:
        return None


def run_job(*, job: ScheduledJob, fired_at: datetime) -> JobRun | None:
    """Run `job` for the period `fired_at` falls in, unless that period ran (or runs) already.

    A failure is recorded on the row and logged as `scheduler.job_failed` with the job's name;
    it never stops the scheduler, and the next period runs as usual.
    """
    period = job.period_of(fired_at)
    run = claim_period(job_name=job.name, period=period)
    if run is None:
        logger.debug("scheduler.job_skipped: %s for %s ran elsewhere", job.name, period)
        return None
    extra = {"job": job.name, "period": period.isoformat()}
    try:
        result = job.run()
    except Exception as exc:
        run.status, run.error = JobRun.Status.FAILED, f"{type(exc).__name__}: {exc}"
        logger.exception("scheduler.job_failed: %s for %s failed", job.name, period, extra=extra)
    else:
        run.status, run.result = JobRun.Status.SUCCEEDED, result
        logger.info("scheduler.job_succeeded: %s: %s", job.name, result, extra=extra)
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "result", "error", "finished_at"])
    return run


def prune_job_runs(*, older_than: datetime) -> int:
    """Delete the run records of periods before `older_than`; returns how many."""
    deleted, _ = JobRun.objects.filter(period__lt=older_than).delete()
    return deleted
