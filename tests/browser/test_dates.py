"""The browser prints moments exactly as the server does (pytake/static/pytake/dates.js)."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser

from pytake.dates import exact_time, relative_time

NOW = datetime(2026, 12, 4, 13, 53, 7, tzinfo=UTC)
MOMENTS = [
    NOW,
    datetime(2026, 12, 31, 23, 30, tzinfo=UTC),  # the next day and year in Paris and Kolkata
    datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC),  # the minute before Paris moves its clocks
    datetime(2026, 7, 1, 4, 5, 6, tzinfo=UTC),
]
OFFSETS = [
    timedelta(0),
    timedelta(seconds=59),
    timedelta(minutes=12, seconds=40),
    timedelta(hours=3),
    timedelta(hours=30),
    -timedelta(minutes=5),
    -timedelta(days=2),
]


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"])
def test_the_browser_prints_every_moment_as_the_server_does(
    browser: Browser, live_server_url: str, zone: str
) -> None:
    context = browser.new_context(timezone_id=zone)
    page = context.new_page()
    page.goto(f"{live_server_url}/admin/login/")
    page.add_script_tag(url=f"{live_server_url}/static/pytake/dates.js")
    # The zone as the browser names it (Chromium's ICU says Asia/Calcutta for Asia/Kolkata): the
    # cookie carries that name, so the server prints the same zone the page does.
    browser_zone = page.evaluate("PyTakeDates.zone")
    tz = zoneinfo.ZoneInfo(browser_zone)
    assert tz.utcoffset(NOW) == zoneinfo.ZoneInfo(zone).utcoffset(NOW)

    exact = page.evaluate(
        "(moments) => moments.map((iso) => PyTakeDates.exact(new Date(iso), "
        "{seconds: true, zone: true}))",
        [moment.isoformat() for moment in MOMENTS],
    )
    relative = page.evaluate(
        "([now, moments]) => moments.map((iso) => PyTakeDates.relative(new Date(iso), "
        "new Date(now)))",
        [NOW.isoformat(), [(NOW - offset).isoformat() for offset in OFFSETS]],
    )

    assert exact == [exact_time(moment, tz, seconds=True, zone=True) for moment in MOMENTS]
    assert relative == [relative_time(NOW - offset, now=NOW, tz=tz) for offset in OFFSETS]
    # The server prints the next page in the same zone.
    assert {"name": "tz", "value": browser_zone.replace("/", "%2F")}.items() <= next(
        cookie for cookie in context.cookies() if cookie["name"] == "tz"
    ).items()
    context.close()
