"""Warnings before Meta acts: a template's read rate against its own baseline, on recorded
daily series, and the daily job reading Meta's template_analytics from a local stand-in."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from alerts.models import Alert
from alerts.services.read_rates import raise_read_rate_warnings
from scheduling.jobs import refresh_template_analytics
from templates_app.models import TemplateDailyCounts
from templates_app.services.accounts import store_access_token
from tests import factories
from tests.graph import GRAPH_TOKEN

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 4, 4, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.fixture
def spring_sale(phone_number):
    return factories.WhatsAppTemplateFactory(phone_number=phone_number, name="spring_sale")


def record(template, series: list[tuple[int, int, int, int]]) -> None:
    """(days ago, sent, delivered, read): 1 is yesterday."""
    TemplateDailyCounts.objects.bulk_create(
        TemplateDailyCounts(
            template=template,
            day=TODAY - timedelta(days=days_ago),
            sent=sent,
            delivered=delivered,
            read=read,
        )
        for days_ago, sent, delivered, read in series
    )


def baseline(read: int) -> list[tuple[int, int, int, int]]:
    """28 days before the last 3: 100 delivered a day, `read` of them read."""
    return [(days_ago, 100, 100, read) for days_ago in range(4, 32)]


def test_a_steady_read_rate_raises_nothing(spring_sale):
    record(spring_sale, [*baseline(62), *[(d, 100, 100, 60) for d in (1, 2, 3)]])

    assert raise_read_rate_warnings(now=NOW) == []
    assert not Alert.objects.exists()


def test_a_sudden_fall_raises_one_warning_in_a_sentence(spring_sale):
    record(spring_sale, [*baseline(62), *[(d, 100, 100, 31) for d in (1, 2, 3)]])

    raise_read_rate_warnings(now=NOW)
    raise_read_rate_warnings(now=NOW + timedelta(hours=1))

    alert = Alert.objects.get()
    assert (alert.kind, alert.severity, alert.occurrences) == (
        "TEMPLATE_READ_RATE_FALLING",
        "WARNING",
        2,
    )
    assert alert.title == (
        "Read rate of spring_sale fell from 62% to 31% in 3 days. Meta rates templates with low "
        "read rates YELLOW or RED, and pauses RED ones."
    )


def test_too_little_volume_raises_nothing(spring_sale):
    record(spring_sale, [*baseline(62), *[(d, 33, 33, 5) for d in (1, 2, 3)]])

    assert raise_read_rate_warnings(now=NOW) == []


def test_a_fall_smaller_than_the_threshold_raises_nothing(spring_sale, settings):
    settings.READ_RATE_FALL_PERCENT = 50
    record(spring_sale, [*baseline(62), *[(d, 100, 100, 40) for d in (1, 2, 3)]])

    assert raise_read_rate_warnings(now=NOW) == []


def test_the_daily_job_keeps_metas_daily_points_and_warns(graph, spring_sale):
    account = spring_sale.business_account
    store_access_token(account=account, access_token=GRAPH_TOKEN)
    graph.templates[account.waba_id] = [{"id": spring_sale.meta_template_id}]
    graph.daily_counts[spring_sale.meta_template_id] = [
        *[(days_ago, 100, 100, 62) for days_ago in range(3, 31)],
        *[(days_ago, 100, 100, 31) for days_ago in range(3)],
    ]

    with time_machine.travel(NOW, tick=False):
        summary = refresh_template_analytics()

    assert summary == "31 daily point(s) kept; 1 read-rate warning(s)."
    assert TemplateDailyCounts.objects.filter(template=spring_sale).count() == 31
    yesterday = TemplateDailyCounts.objects.get(day=TODAY - timedelta(days=1))
    assert (yesterday.sent, yesterday.read) == (100, 31)
    assert Alert.objects.get().kind == "TEMPLATE_READ_RATE_FALLING"
    assert isinstance(yesterday.day, date)


def test_the_admin_template_page_draws_the_daily_read_rate(client, super_admin, spring_sale):
    record(spring_sale, [*baseline(62), *[(d, 100, 100, 31) for d in (1, 2, 3)]])
    client.force_login(super_admin)

    with time_machine.travel(NOW, tick=False):
        page = client.get(f"/admin/templates_app/whatsapptemplate/{spring_sale.pk}/change/")

    text = page.content.decode()
    assert '<svg class="read-rate" role="img"' in text
    assert "Read rate, 03 Nov to 03 Dec: from 62% to 31%" in text
    points = re.search(r'<polyline [^>]*points="([^"]+)"', text).group(1).split()
    assert len(points) == 31  # a point a day
    # The last three days sit lower (a larger y) than the days before.
    assert float(points[-1].split(",")[1]) > float(points[0].split(",")[1])


def test_the_demo_shows_a_falling_read_rate(graph):
    from django.core.management import call_command

    from dashboard.demo import load_demo_data
    from templates_app.management.commands.fake_graph_api import (
        daily_counts_of,
        templates_from_database,
    )

    demo = load_demo_data()
    store_access_token(account=demo.phone_number.business_account, access_token=GRAPH_TOKEN)
    graph.templates = templates_from_database()
    graph.daily_counts = daily_counts_of(graph.templates, falling="welcome")
    out = io.StringIO()

    with time_machine.travel(NOW, tick=False):
        call_command("run_scheduler", run="refresh_template_analytics", stdout=out)

    assert "1 read-rate warning(s)" in out.getvalue()
    assert Alert.objects.get(kind="TEMPLATE_READ_RATE_FALLING").title == (
        "Read rate of welcome fell from 62% to 31% in 3 days. Meta rates templates with low "
        "read rates YELLOW or RED, and pauses RED ones."
    )


def test_metas_button_clicks_are_asked_for_summed_and_kept_a_day_a_row(graph, spring_sale):
    from templates_app.graph_stand_in import Answer

    account = spring_sale.business_account
    store_access_token(account=account, access_token=GRAPH_TOKEN)
    graph.templates[account.waba_id] = [{"id": spring_sale.meta_template_id}]
    yesterday = datetime(2026, 12, 3, tzinfo=UTC)
    # Meta's answer as it comes: clicks per button, cost alongside, a cursor-only paging.
    graph.fail_next(
        Answer(
            200,
            {
                "data": [
                    {
                        "granularity": "DAILY",
                        "product_type": "cloud_api",
                        "data_points": [
                            {
                                "template_id": spring_sale.meta_template_id,
                                "start": int(yesterday.timestamp()),
                                "end": int((yesterday + timedelta(days=1)).timestamp()),
                                "sent": 120,
                                "delivered": 118,
                                "read": 70,
                                "clicked": [
                                    {
                                        "type": "quick_reply_button",
                                        "button_content": "Tell me more",
                                        "count": 9,
                                    },
                                    {
                                        "type": "url_button",
                                        "button_content": "See the sale",
                                        "count": 14,
                                    },
                                ],
                                "cost": [
                                    {"type": "amount_spent", "value": 0.95},
                                    {"type": "cost_per_delivered", "value": 0.01},
                                ],
                            },
                            {
                                "template_id": spring_sale.meta_template_id,
                                "start": int((yesterday - timedelta(days=1)).timestamp()),
                                "end": int(yesterday.timestamp()),
                                "sent": 100,
                                "delivered": 100,
                                "read": 60,
                            },
                        ],
                    }
                ],
                "paging": {"cursors": {"before": "MAZDZD", "after": "MjQZD"}},
            },
            path_end="template_analytics",
        )
    )

    with time_machine.travel(NOW, tick=False):
        refresh_template_analytics()

    asked = next(path for path in graph.requests if "template_analytics" in path)
    assert "CLICKED" in asked
    kept = TemplateDailyCounts.objects.filter(template=spring_sale).order_by("day")
    assert [(row.day, row.read, row.clicked) for row in kept] == [
        (date(2026, 12, 2), 60, 0),  # a day without clicks answers no `clicked` list
        (date(2026, 12, 3), 70, 23),
    ]


def test_the_admin_template_page_lists_the_latest_days_with_their_clicks(
    graph, client, super_admin, spring_sale
):
    account = spring_sale.business_account
    store_access_token(account=account, access_token=GRAPH_TOKEN)
    graph.templates[account.waba_id] = [{"id": spring_sale.meta_template_id}]
    graph.daily_counts[spring_sale.meta_template_id] = [
        (days_ago, 100, 100, 62, days_ago + 40) for days_ago in range(10)
    ]
    with time_machine.travel(NOW, tick=False):
        refresh_template_analytics()
        client.force_login(super_admin)
        page = client.get(f"/admin/templates_app/whatsapptemplate/{spring_sale.pk}/change/")

    table = re.search(r'<table data-field="daily-counts">.*?</table>', page.content.decode(), re.S)
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>((?:<td>\d+</td>)+)</tr>", table.group(0))
    assert len(rows) == 7  # the latest week
    assert re.findall(r"\d+", rows[0][1]) == ["100", "100", "62", "40"]  # the newest day first
    assert "Button clicks" in table.group(0)
