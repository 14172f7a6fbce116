"""One way to print a moment: exact or relative, in the reader's time zone (pytake/dates.py)."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.template import Context, Template

from pytake.dates import exact_time, relative_time, when_html
from tests import factories
from tests.test_admin_isolation import staff_of

NOW = datetime(2026, 12, 4, 13, 53, 7, tzinfo=UTC)
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def test_exact_time_reads_day_month_year_and_24_hour_time() -> None:
    assert exact_time(NOW, UTC) == "4 Dec 2026, 13:53"
    assert exact_time(NOW, UTC, seconds=True) == "4 Dec 2026, 13:53:07"
    assert exact_time(NOW, PARIS, seconds=True, zone=True) == "4 Dec 2026, 14:53:07 (Europe/Paris)"


def test_exact_time_moves_the_day_with_the_zone() -> None:
    late = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert exact_time(late, PARIS) == "1 Jan 2027, 00:30"
    assert exact_time(late, zoneinfo.ZoneInfo("America/New_York")) == "31 Dec 2026, 18:30"


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (timedelta(seconds=0), "just now"),
        (timedelta(seconds=59), "just now"),
        (timedelta(minutes=1), "1 min ago"),
        (timedelta(minutes=12, seconds=40), "12 min ago"),
        (timedelta(minutes=59, seconds=59), "59 min ago"),
        (timedelta(hours=1), "1 h ago"),
        (timedelta(hours=23, minutes=59), "23 h ago"),
        (timedelta(days=1), "3 Dec 2026, 13:53"),
        (-timedelta(minutes=5), "in 5 min"),
        (-timedelta(hours=2), "in 2 h"),
        (-timedelta(days=2), "6 Dec 2026, 13:53"),
    ],
)
def test_relative_time_while_recent_and_exact_past_a_day(offset: timedelta, expected: str) -> None:
    assert relative_time(NOW - offset, now=NOW, tz=UTC) == expected


def test_the_pages_markup_carries_the_iso_moment_and_the_exact_time_on_hover() -> None:
    html = when_html(NOW - timedelta(minutes=12), now=NOW)
    assert html == (
        '<time datetime="2026-12-04T13:41:07+00:00" data-when '
        'title="4 Dec 2026, 13:41:07 (UTC)">12 min ago</time>'
    )


def test_the_template_filters_print_nothing_for_no_moment() -> None:
    rendered = Template("{% load dates %}[{{ none|when }}][{{ none|exact }}]").render(
        Context({"none": None})
    )
    assert rendered == "[][]"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("cookie", "shown"),
    [
        ("Europe/Paris", "4 Dec 2026, 14:53"),
        ("Asia/Kolkata", "4 Dec 2026, 19:23"),
        # Not a zone, or too long to be one: the server's own zone (UTC).
        ("Mars/Olympus_Mons", "4 Dec 2026, 13:53"),
        ("../../etc/passwd", "4 Dec 2026, 13:53"),
        ("Europe/" + "x" * 100, "4 Dec 2026, 13:53"),
        ("", "4 Dec 2026, 13:53"),
    ],
)
def test_the_admin_prints_times_in_the_zone_the_browser_named(
    client, organization, cookie: str, shown: str
) -> None:
    with time_machine.travel(NOW, tick=False):
        factories.AuditLogFactory(organization=organization)
    client.force_login(staff_of(organization))
    client.cookies["tz"] = cookie

    response = client.get("/admin/audit/auditlog/")

    assert response.status_code == 200
    assert shown in response.content.decode()
    # The zone is the request's only: the next request without the cookie reads UTC again.
    del client.cookies["tz"]
    assert "4 Dec 2026, 13:53" in client.get("/admin/audit/auditlog/").content.decode()
