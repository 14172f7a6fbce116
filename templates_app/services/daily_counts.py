"""Meta's daily counts of each template (`template_analytics`, granularity DAILY), kept a day a
row so that a template's trend can be read: the daily job asks for the last 31 days."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.utils import timezone

from pytake.crypto import decrypt_secret
from templates_app.graph_client import GraphClient, GraphError
from templates_app.meta.graph import AnalyticsPoint
from templates_app.models import BusinessAccount, TemplateDailyCounts, WhatsAppTemplate

logger = logging.getLogger(__name__)

DAYS_ASKED = 31


def record_daily_points(account: BusinessAccount, points: Iterable[AnalyticsPoint]) -> int:
    """Keep each point as its template's day (the latest answer wins); one INSERT … ON
    CONFLICT. Points of templates the account does not hold are left out."""
    by_meta_id = dict(
        WhatsAppTemplate.objects.filter(
            business_account=account, meta_template_id__isnull=False
        ).values_list("meta_template_id", "pk")
    )
    rows = {
        (by_meta_id[point.template_id], point.start.date()): TemplateDailyCounts(
            template_id=by_meta_id[point.template_id],
            day=point.start.date(),
            sent=point.sent,
            delivered=point.delivered,
            read=point.read,
            clicked=point.clicked,
        )
        for point in points
        if point.template_id in by_meta_id
    }
    TemplateDailyCounts.objects.bulk_create(
        list(rows.values()),
        update_conflicts=True,
        unique_fields=["template", "day"],
        update_fields=["sent", "delivered", "read", "clicked"],
    )
    return len(rows)


def refresh_daily_counts(*, now: datetime | None = None) -> tuple[int, list[str]]:
    """Ask Meta for the last 31 days of every account with a working token; returns the days
    kept and one sentence per account that failed."""
    now = now or timezone.now()
    kept, failed = 0, []
    accounts = BusinessAccount.objects.filter(
        token_status=BusinessAccount.TokenStatus.STORED, released_at__isnull=True
    )
    for account in accounts:
        ids = list(
            account.templates.filter(
                deleted_at__isnull=True, meta_template_id__isnull=False
            ).values_list("meta_template_id", flat=True)
        )
        if not ids:
            continue
        try:
            with GraphClient(access_token=decrypt_secret(account.access_token_encrypted)) as graph:
                points = graph.template_analytics(
                    account.waba_id,
                    template_ids=ids,
                    start=now - timedelta(days=DAYS_ASKED),
                    end=now,
                )
        except GraphError as exc:
            logger.warning("Daily counts of %s not refreshed: %s", account, exc)
            failed.append(f"{account}: {exc}")
            continue
        kept += record_daily_points(account, points)
    return kept, failed
