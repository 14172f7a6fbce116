"""Warnings before Meta acts: a template's read rate falling well below its own baseline.

Meta rates templates with low read rates YELLOW or RED and pauses RED ones; a falling read rate
comes first. The recent days (`READ_RATE_RECENT_DAYS`, 3) are compared with the days before
them (`READ_RATE_BASELINE_DAYS`, 28), from the daily counts kept (`TemplateDailyCounts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce

from alerts.models import Alert
from alerts.rules import alert_data
from alerts.services.lifecycle import raise_alert
from templates_app.models import WhatsAppTemplate

CONSEQUENCE = "Meta rates templates with low read rates YELLOW or RED, and pauses RED ones."


@dataclass(frozen=True)
class ReadRateFall:
    template: WhatsAppTemplate
    baseline: float
    recent: float
    recent_sent: int

    def sentence(self) -> str:
        days = settings.READ_RATE_RECENT_DAYS
        return (
            f"Read rate of {self.template.name} fell from {self.baseline:.0%} to "
            f"{self.recent:.0%} in {days} days. {CONSEQUENCE}"
        )


def _rate(read: int, delivered: int, sent: int) -> float | None:
    base = delivered or sent
    return read / base if base else None


def read_rate_falls(*, today: date) -> list[ReadRateFall]:
    """The live templates whose recent read rate fell enough, with enough volume; one query."""
    recent_from = today - timedelta(days=settings.READ_RATE_RECENT_DAYS)
    baseline_from = recent_from - timedelta(days=settings.READ_RATE_BASELINE_DAYS)
    recent = Q(daily_counts__day__gte=recent_from, daily_counts__day__lt=today)
    baseline = Q(daily_counts__day__gte=baseline_from, daily_counts__day__lt=recent_from)

    def total(field: str, when: Q) -> Any:
        return Coalesce(Sum(f"daily_counts__{field}", filter=when), 0)

    rows = (
        WhatsAppTemplate.objects.filter(
            deleted_at__isnull=True, daily_counts__day__gte=baseline_from
        )
        .annotate(
            recent_sent=total("sent", recent),
            recent_delivered=total("delivered", recent),
            recent_read=total("read", recent),
            baseline_sent=total("sent", baseline),
            baseline_delivered=total("delivered", baseline),
            baseline_read=total("read", baseline),
        )
        .filter(recent_sent__gte=settings.READ_RATE_MIN_SENT)
        .order_by("name", "pk")
    )
    keep = 1 - settings.READ_RATE_FALL_PERCENT / 100
    falls = []
    for template in rows:
        before = _rate(template.baseline_read, template.baseline_delivered, template.baseline_sent)
        now = _rate(template.recent_read, template.recent_delivered, template.recent_sent)
        if before and now is not None and now <= before * keep:
            falls.append(ReadRateFall(template, before, now, template.recent_sent))
    return falls


def raise_read_rate_warnings(*, now: datetime) -> list[Alert]:
    """A warning for each template whose read rate fell; one already open counts once more."""
    raised = []
    for fall in read_rate_falls(today=now.date()):
        alert, created = raise_alert(
            template=fall.template,
            kind=Alert.Kind.TEMPLATE_READ_RATE_FALLING,
            severity=Alert.Severity.WARNING,
            title=fall.sentence()[:300],
            data={
                **alert_data(fall.template, reason=fall.sentence(), campaigns_paused=0),
                "baseline_read_rate": round(fall.baseline, 4),
                "recent_read_rate": round(fall.recent, 4),
                "recent_sent": fall.recent_sent,
            },
            seen_at=now,
        )
        if created:
            raised.append(alert)
    return raised
