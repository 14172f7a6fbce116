"""Meta's pause ladder, read for people: a first pause (3 hours), a second (6 hours), then a
disable; a pause by pacing that only Meta's unpause call lifts; a flag with a disable date.

Pure functions of a template and its pauses (`TemplatePause`); no query here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from templates_app.models import TemplatePause, TemplateStatus, WhatsAppTemplate

FIRST_PAUSE = "FIRST_PAUSE"
SECOND_PAUSE = "SECOND_PAUSE"
RATE_LIMITING_PAUSE = "RATE_LIMITING_PAUSE"
UNPAUSE = "UNPAUSE"

# Meta's rule when its description names no time.
PAUSE_LENGTHS: dict[str, timedelta] = {
    FIRST_PAUSE: timedelta(hours=3),
    SECOND_PAUSE: timedelta(hours=6),
}
# The rung a title stands for: a second pause means there was a first, even if we missed it.
RUNGS: dict[str, int] = {FIRST_PAUSE: 1, SECOND_PAUSE: 2}
# Pauses a person may lift with Meta's unpause call; quality pauses end on Meta's clock.
LIFTABLE_TITLES = frozenset({RATE_LIMITING_PAUSE})

# "… paused for 3 hours until Nov 24, 2026 at 5:00 PM UTC because …"
_UNTIL = re.compile(
    r"until\s+([A-Z][a-z]{2,8})\.?\s+(\d{1,2}),\s+(\d{4})\s+at\s+(\d{1,2}):(\d{2})\s*([AP]M)\s+UTC",
    re.IGNORECASE,
)


def time_in_description(description: str) -> datetime | None:
    """The time Meta's description says the pause lasts until, or None when it names none."""
    found = _UNTIL.search(description or "")
    if found is None:
        return None
    month, day, year, hour, minute, half = found.groups()
    text = f"{month[:3].title()} {day} {year} {hour}:{minute} {half.upper()}"
    try:
        return datetime.strptime(text, "%b %d %Y %I:%M %p").replace(tzinfo=UTC)
    except ValueError:
        return None


def expected_back_at(title: str, description: str, paused_at: datetime) -> datetime | None:
    """When the template should send again: Meta's own words first, else its 3 h / 6 h rule.

    None for a pause by pacing (it ends only when someone asks Meta to lift it) and for a pause
    Meta named no length for.
    """
    said = time_in_description(description)
    # Meta's pauses last hours: a time outside the next day is a misreading, not a pause.
    if said is not None and paused_at < said <= paused_at + timedelta(days=1):
        return said
    length = PAUSE_LENGTHS.get(title.upper())
    return paused_at + length if length is not None else None


def format_day(moment: datetime) -> str:
    """`12 Dec 2026`"""
    return f"{moment.astimezone(UTC):%d %b %Y}".lstrip("0")


def format_moment(moment: datetime) -> str:
    """`17:00 UTC on 24 Nov 2026`"""
    return f"{moment.astimezone(UTC):%H:%M} UTC on {format_day(moment)}"


def disable_warning(disable_date: datetime) -> str:
    return f"Meta will disable it on {format_day(disable_date)} unless its quality improves"


@dataclass(frozen=True)
class PauseLadder:
    """Where a template stands on Meta's ladder, in sentences."""

    pauses: tuple[TemplatePause, ...]
    quality_pauses: int
    current: TemplatePause | None
    summary: str
    expected_back_at: datetime | None
    expected_back: str
    disable_warning: str
    can_be_unpaused: bool
    critical: bool

    def sentence(self) -> str:
        """Everything a person should know of the ladder, in one line ("" when nothing)."""
        parts = [part for part in (self.summary, self.expected_back, self.disable_warning) if part]
        return ". ".join(parts) + "." if parts else ""

    def as_dict(self) -> dict[str, object]:
        return {
            "sentence": self.sentence(),
            "quality_pauses": self.quality_pauses,
            "summary": self.summary,
            "expected_back_at": self.expected_back_at,
            "expected_back": self.expected_back,
            "disable_warning": self.disable_warning,
            "can_be_unpaused": self.can_be_unpaused,
            "critical": self.critical,
            "pauses": [
                {
                    "title": pause.title,
                    "description": pause.description,
                    "paused_at": pause.paused_at,
                    "expected_back_at": pause.expected_back_at,
                    "ended_at": pause.ended_at,
                    "ended_by": pause.ended_by,
                }
                for pause in self.pauses
            ],
        }


def ladder_summary(quality_pauses: int) -> str:
    if quality_pauses <= 0:
        return ""
    if quality_pauses == 1:
        return "Paused once: Meta pauses it for 6 hours at the next RED rating"
    return "Paused twice: Meta disables it at the next RED rating"


def read_ladder(
    template: WhatsAppTemplate, pauses: Sequence[TemplatePause], *, since: datetime
) -> PauseLadder:
    """The ladder of `template` from its pauses (oldest first); those before `since` (Meta's
    quality window) no longer count."""
    recent = tuple(pause for pause in pauses if pause.paused_at >= since)
    rungs = [RUNGS.get(pause.title.upper(), 0) for pause in recent]
    # Meta's title says which rung it is; a count of rows covers pauses it did not title.
    quality_pauses = max(max(rungs, default=0), sum(1 for rung in rungs if rung))
    current = None
    if template.status in (TemplateStatus.PAUSED, TemplateStatus.LOCKED) and pauses:
        last = pauses[-1]
        current = last if last.ended_at is None else None
    back_at = current.expected_back_at if current is not None else None
    if current is not None and back_at is not None:
        expected_back = f"Expected back at {format_moment(back_at)}"
    elif current is not None and current.title.upper() == RATE_LIMITING_PAUSE:
        expected_back = (
            "Paused by pacing: it comes back only when unpaused, at least 5 minutes after "
            f"the pause ({format_moment(current.paused_at + timedelta(minutes=5))})"
        )
    else:
        expected_back = ""
    warning = ""
    if template.status == TemplateStatus.FLAGGED and template.disable_date is not None:
        warning = disable_warning(template.disable_date)
    return PauseLadder(
        pauses=recent,
        quality_pauses=quality_pauses,
        current=current,
        summary=ladder_summary(quality_pauses),
        expected_back_at=back_at,
        expected_back=expected_back,
        disable_warning=warning,
        can_be_unpaused=current is not None and current.title.upper() in LIFTABLE_TITLES,
        critical=quality_pauses >= 2 or bool(warning),
    )


# Meta lifts a pause by pacing on request, no sooner than this after the pause (Meta's time).
UNPAUSE_AFTER = timedelta(minutes=5)


def unpause_refusal(
    template: WhatsAppTemplate, pause: TemplatePause | None, *, now: datetime
) -> str:
    """Why Meta would not lift the template's pause now, in a sentence; "" when it may."""
    if template.status not in (TemplateStatus.PAUSED, TemplateStatus.LOCKED) or pause is None:
        return f"{template.name} is not paused: there is nothing to unpause."
    title = pause.title.upper()
    if title not in LIFTABLE_TITLES:
        named = {FIRST_PAUSE: "a first quality pause", SECOND_PAUSE: "a second quality pause"}
        back = (
            f" it is expected back at {format_moment(pause.expected_back_at)}"
            if pause.expected_back_at
            else " it comes back when Meta lifts it"
        )
        return (
            f"{template.name} is under {named.get(title, 'a pause Meta set')}, which only Meta "
            f"lifts:{back}. Only a pause by pacing (RATE_LIMITING_PAUSE) can be lifted on request."
        )
    allowed_at = pause.paused_at + UNPAUSE_AFTER
    if now < allowed_at:
        return (
            "Meta lifts a pause by pacing no sooner than 5 minutes after it began "
            f"({format_moment(pause.paused_at)}, Meta's time): try again at "
            f"{allowed_at.astimezone(UTC):%H:%M:%S} UTC."
        )
    if not template.meta_template_id:
        return f"Meta has not given {template.name} an id yet: it cannot be asked to unpause it."
    return ""
