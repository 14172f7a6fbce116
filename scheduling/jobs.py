"""Every periodic job, declared once, with its schedule (UTC, cron fields).

`manage.py run_scheduler` runs them; any number of scheduler replicas may run, since each
period of each job is claimed by one row (scheduling.models.JobRun) before it runs.
Each job calls its app's service and returns what it did, in a line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from django.conf import settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from alerts.services.lifecycle import raise_overdue_pauses, raise_pending_too_long
from alerts.services.read_rates import raise_read_rate_warnings
from alerts.tasks import send_due
from live.services import prune_live_messages as delete_live_messages
from scheduling.services import prune_job_runs as delete_job_runs
from templates_app.services.daily_counts import refresh_daily_counts
from templates_app.services.deliveries import prune_deliveries
from templates_app.services.sending_path import end_expired_restrictions
from templates_app.services.sync import request_scheduled_syncs

# A job fired this late (or this early, by another replica's clock) still counts for the
# period it was scheduled for; a period is never shorter than twice this.
PERIOD_TOLERANCE = timedelta(seconds=30)


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    run: Callable[[], str]
    cron: Mapping[str, str]  # CronTrigger's fields: minute="*/10", hour="3"…
    description: str
    tolerance: timedelta = field(default=PERIOD_TOLERANCE)

    @property
    def trigger(self) -> CronTrigger:
        return CronTrigger(timezone="UTC", **self.cron)

    def period_of(self, fired_at: datetime) -> datetime:
        """The scheduled time a run fired at `fired_at` stands for (the same on every replica)."""
        return self.trigger.get_next_fire_time(None, fired_at - self.tolerance)


def check_pending_templates() -> str:
    raised = raise_pending_too_long(older_than=timezone.now() - timedelta(hours=48))
    return f"{len(raised)} new alert(s) for templates pending over 48 hours."


def end_restrictions() -> str:
    ended = end_expired_restrictions()
    return f"Restrictions ended for {len(ended)} business account(s)."


def check_overdue_pauses() -> str:
    late_by = timedelta(minutes=settings.TEMPLATE_PAUSE_OVERDUE_MINUTES)
    raised = raise_overdue_pauses(now=timezone.now(), late_by=late_by)
    return f"{len(raised)} new alert(s) for templates still paused after they were due back."


def refresh_template_analytics() -> str:
    """Meta's daily counts of the last 31 days, then the warnings of falling read rates."""
    kept, failed = refresh_daily_counts()
    raised = raise_read_rate_warnings(now=timezone.now())
    return f"{kept} daily point(s) kept; {len(raised)} read-rate warning(s)" + (
        f"; failed: {'; '.join(failed)}" if failed else "."
    )


def send_due_notifications() -> str:
    outcomes = send_due()
    summary = ", ".join(f"{count} {status}" for status, count in sorted(outcomes.items()))
    return f"Due notifications: {summary or 'none'}."


def prune_webhook_deliveries() -> str:
    now = timezone.now()
    deleted = prune_deliveries(
        older_than=now - timedelta(days=settings.WEBHOOK_RETENTION_DAYS),
        ignored_older_than=now - timedelta(days=settings.WEBHOOK_IGNORED_RETENTION_DAYS),
    )
    return f"Deleted {deleted} settled webhook deliveries."


def prune_live_messages() -> str:
    days = settings.LIVE_MESSAGE_RETENTION_DAYS
    deleted = delete_live_messages(older_than=timezone.now() - timedelta(days=days))
    return f"Deleted {deleted} live messages."


def prune_job_runs() -> str:
    days = settings.JOB_RUN_RETENTION_DAYS
    deleted = delete_job_runs(older_than=timezone.now() - timedelta(days=days))
    return f"Deleted {deleted} job runs."


def prune_task_results() -> str:
    """The task worker's finished results (one per webhook delivery applied in async mode)."""
    if settings.TASKS["default"]["BACKEND"] != "django_tasks_db.DatabaseBackend":
        return "Tasks run inline: no task results are stored."
    older_than = timezone.now() - timedelta(days=settings.TASK_RESULT_RETENTION_DAYS)
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=older_than).delete()
    return f"Deleted {deleted} finished task results."


def sync_templates() -> str:
    """Every account with a stored token; each sync also refreshes the template analytics."""
    requested, refused = request_scheduled_syncs()
    return f"{requested} sync(s) requested" + (
        f"; refused: {'; '.join(refused)}" if refused else "."
    )


JOBS: tuple[ScheduledJob, ...] = (
    ScheduledJob(
        name="send_notifications",
        run=send_due_notifications,
        cron={"minute": "*"},
        description="Notification retries whose wait is over, and digests whose minute passed.",
    ),
    ScheduledJob(
        name="check_template_health",
        run=check_pending_templates,
        cron={"minute": "*/10"},
        description="An alert for each template waiting for Meta's review over 48 hours.",
    ),
    ScheduledJob(
        name="check_overdue_pauses",
        run=check_overdue_pauses,
        cron={"minute": "*/5"},
        description="An alert for each template still paused an hour after Meta's pause was "
        "due to end.",
    ),
    ScheduledJob(
        name="refresh_template_analytics",
        run=refresh_template_analytics,
        cron={"hour": "4", "minute": "0"},
        description="Meta's daily counts of every template (the last 31 days), then a warning "
        "for each template whose read rate fell well below its own baseline.",
    ),
    ScheduledJob(
        name="sync_templates",
        run=sync_templates,
        cron={"minute": "5"},
        description="Sync every account with a token with Meta's Graph API (the worker runs "
        "each sync), which also refreshes each template's analytics counts.",
    ),
    ScheduledJob(
        name="prune_webhook_deliveries",
        run=prune_webhook_deliveries,
        cron={"hour": "3", "minute": "10"},
        description="Delete settled deliveries past WEBHOOK_RETENTION_DAYS (ignored ones past "
        "WEBHOOK_IGNORED_RETENTION_DAYS); failed and unprocessed ones are kept.",
    ),
    ScheduledJob(
        name="prune_live_messages",
        run=prune_live_messages,
        cron={"hour": "3", "minute": "20"},
        description="Delete live messages past LIVE_MESSAGE_RETENTION_DAYS.",
    ),
    ScheduledJob(
        name="prune_task_results",
        run=prune_task_results,
        cron={"hour": "3", "minute": "25"},
        description="Delete the task worker's finished results past TASK_RESULT_RETENTION_DAYS.",
    ),
    ScheduledJob(
        name="prune_job_runs",
        run=prune_job_runs,
        cron={"hour": "3", "minute": "30"},
        description="Delete these jobs' own run records past JOB_RUN_RETENTION_DAYS.",
    ),
    ScheduledJob(
        name="end_expired_restrictions",
        run=end_restrictions,
        cron={"minute": "*"},
        description="End the business-account restrictions whose expiry Meta gave has passed; "
        "the campaigns they paused that opted in resume.",
    ),
)
