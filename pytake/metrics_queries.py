"""The database's side of the metrics: a few aggregate queries, run when Prometheus scrapes."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count, Min
from django.utils import timezone

from alerts.models import Alert, NotificationDelivery
from scheduling.models import JobRun
from templates_app.models import SyncRun, WebhookDelivery

NO_FIELD = "none"


def delivery_counts() -> dict[tuple[str, str], int]:
    """Stored webhook deliveries by (status, Meta's field); one naming two fields counts in each."""
    counts: Counter[tuple[str, str]] = Counter()
    rows = WebhookDelivery.objects.values_list("status", "fields").annotate(count=Count("pk"))
    for status, fields, count in rows.order_by():
        for field in fields.split(",") if fields else [NO_FIELD]:
            counts[(status, field)] += count
    return dict(counts)


def backlog() -> tuple[int, float]:
    """Deliveries waiting to be applied, and the age in seconds of the oldest (0 when none)."""
    waiting = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.RECEIVED).order_by()
    figures = waiting.aggregate(count=Count("pk"), oldest=Min("received_at"))
    oldest = figures["oldest"]
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    return figures["count"], max(age, 0.0)


def alert_counts() -> dict[tuple[str, str, str], int]:
    """Unresolved alerts by (severity, kind, status)."""
    rows = (
        Alert.objects.exclude(status=Alert.Status.RESOLVED)
        .values_list("severity", "kind", "status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {(severity, kind, status): count for severity, kind, status, count in rows}


def notification_counts() -> dict[tuple[str, str], int]:
    """Notification deliveries by (their channel's kind, status)."""
    rows = (
        NotificationDelivery.objects.values_list("channel__kind", "status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {(kind or NO_FIELD, status): count for kind, status, count in rows}


def sync_run_counts() -> dict[str, int]:
    """Template syncs by status."""
    rows = SyncRun.objects.values_list("status").annotate(count=Count("pk")).order_by()
    return dict(rows)


def job_run_counts() -> dict[tuple[str, str], int]:
    """Scheduled job runs kept (JOB_RUN_RETENTION_DAYS) by (job, status)."""
    rows = JobRun.objects.values_list("job", "status").annotate(count=Count("pk")).order_by()
    return {(job, status): count for job, status, count in rows}
