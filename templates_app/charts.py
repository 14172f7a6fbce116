"""A small server-rendered SVG of a template's daily read rate, for its admin page."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html
from django.utils.safestring import SafeString

from templates_app.models import TemplateDailyCounts

WIDTH, HEIGHT, PAD = 240, 60, 4


def read_rate(day: TemplateDailyCounts) -> float | None:
    base = day.delivered or day.sent
    return day.read / base if base else None


def read_rate_svg(days: Sequence[TemplateDailyCounts]) -> SafeString:
    """A polyline of the read rate, day by day (0% at the bottom, 100% at the top); "" when
    fewer than two days have a rate."""
    rated = [(day.day, rate) for day in days if (rate := read_rate(day)) is not None]
    if len(rated) < 2:
        return SafeString("")
    step = (WIDTH - 2 * PAD) / (len(rated) - 1)
    points = " ".join(
        f"{PAD + i * step:.1f},{PAD + (1 - rate) * (HEIGHT - 2 * PAD):.1f}"
        for i, (_, rate) in enumerate(rated)
    )
    (first_day, first), (last_day, last) = rated[0], rated[-1]
    label = f"Read rate, {first_day:%d %b} to {last_day:%d %b}: from {first:.0%} to {last:.0%}"
    return format_html(
        '<svg class="read-rate" role="img" aria-label="{}" width="{}" height="{}" '
        'viewBox="0 0 {} {}"><title>{}</title>'
        '<polyline fill="none" stroke="currentColor" stroke-width="2" points="{}"/></svg>',
        label,
        WIDTH,
        HEIGHT,
        WIDTH,
        HEIGHT,
        label,
        points,
    )
