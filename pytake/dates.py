"""One way to print a moment, wherever a person reads it: "4 Dec 2026, 13:53" in the reader's
time zone, or "12 min ago" while it is recent, with the exact time on hover.

The browser prints the same from `pytake/static/pytake/dates.js`, rule for rule, so a row the
server rendered and a row changed live read alike. The time zone is the reader's browser's: its
script stores the zone's name in the `tz` cookie, and `TimeZoneMiddleware` activates it.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from datetime import datetime, tzinfo

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

# "4 Dec 2026, 13:53", in Django's date format syntax: Django prints the admin's dates with it
# too (pytake/formats/en/formats.py).
EXACT_FORMAT = "j M Y, H:i"
TIME_ZONE_COOKIE = "tz"
# IANA names are short ("America/Argentina/ComodRivadavia" is the longest, 32 characters).
MAX_TIME_ZONE_NAME = 64
MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR


def exact_time(
    value: datetime, tz: tzinfo | None = None, *, seconds: bool = False, zone: bool = False
) -> str:
    """`4 Dec 2026, 13:53` in `tz` (the active time zone by default); `seconds` adds `:07`,
    `zone` adds the zone's name: `4 Dec 2026, 13:53 (Europe/Paris)`."""
    tz = tz or timezone.get_current_timezone()
    local = value.astimezone(tz) if timezone.is_aware(value) else value
    text = dateformat.format(local, EXACT_FORMAT + (":s" if seconds else ""))
    if zone:
        text += f" ({time_zone_name(tz)})"
    return text


def relative_time(value: datetime, now: datetime | None = None, tz: tzinfo | None = None) -> str:
    """`just now`, `12 min ago`, `3 h ago`, `in 5 min`, `in 2 h`; past a day, the exact time."""
    now = now or timezone.now()
    elapsed = int((now - value).total_seconds())
    ahead = elapsed < 0
    elapsed = abs(elapsed)
    if elapsed < MINUTE:
        return "just now"
    if elapsed < HOUR:
        amount = f"{elapsed // MINUTE} min"
    elif elapsed < DAY:
        amount = f"{elapsed // HOUR} h"
    else:
        return exact_time(value, tz)
    return f"in {amount}" if ahead else f"{amount} ago"


def time_zone_name(tz: tzinfo) -> str:
    return getattr(tz, "key", None) or str(tz)


def when_html(value: datetime, now: datetime | None = None) -> SafeString:
    """The moment as the pages show it: relative or exact, the exact time and zone on hover, and
    the ISO time for the browser's script to keep it current."""
    return format_html(
        '<time datetime="{}" data-when title="{}">{}</time>',
        value.isoformat(),
        exact_time(value, seconds=True, zone=True),
        relative_time(value, now),
    )


def time_zone_from(request: HttpRequest) -> tzinfo | None:
    """The zone the reader's browser named in its cookie, if it is a zone this machine knows."""
    name = request.COOKIES.get(TIME_ZONE_COOKIE, "")
    if not name or len(name) > MAX_TIME_ZONE_NAME:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return None


class TimeZoneMiddleware:
    """Render each request's times in its reader's zone (settings.TIME_ZONE when it is unknown)."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.async_mode:
            return self.__acall__(request)
        self._activate(request)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        self._activate(request)
        try:
            return await self.get_response(request)
        finally:
            timezone.deactivate()

    @staticmethod
    def _activate(request: HttpRequest) -> None:
        tz = time_zone_from(request)
        if tz is None:
            timezone.deactivate()
        else:
            timezone.activate(tz)
