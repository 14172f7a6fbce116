"""`{% load dates %}{{ moment|when }}`: a moment as every page prints it (see pytake/dates.py)."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils.safestring import SafeString

from pytake.dates import exact_time, when_html

register = template.Library()


@register.filter
def when(value: datetime | None) -> SafeString | str:
    """`<time …>12 min ago</time>`, or "" for no moment."""
    return when_html(value) if value else ""


@register.filter
def exact(value: datetime | None) -> str:
    """`4 Dec 2026, 13:53` in the reader's zone, where a relative time would not help."""
    return exact_time(value) if value else ""
