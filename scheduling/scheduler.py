"""The scheduler process: APScheduler fires each declared job on its cron schedule."""

from __future__ import annotations

from collections.abc import Iterable

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from django.db import close_old_connections
from django.utils import timezone

from scheduling import services
from scheduling.jobs import ScheduledJob


def fire(job: ScheduledJob) -> None:
    """What APScheduler calls, in one of its threads, at each of the job's scheduled times."""
    close_old_connections()
    try:
        services.run_job(job=job, fired_at=timezone.now())
    finally:
        close_old_connections()


def build_scheduler(
    jobs: Iterable[ScheduledJob], *, scheduler_class: type[BaseScheduler] = BlockingScheduler
) -> BaseScheduler:
    """A scheduler holding `jobs`: a missed or late run is skipped past the job's tolerance,
    runs that piled up while the process was busy coalesce into one."""
    scheduler = scheduler_class(
        timezone="UTC", executors={"default": ThreadPoolExecutor(max_workers=4)}
    )
    for job in jobs:
        scheduler.add_job(
            fire,
            trigger=job.trigger,
            args=[job],
            id=job.name,
            name=job.name,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=max(1, int(job.tolerance.total_seconds())),
        )
    return scheduler
