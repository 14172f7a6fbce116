"""Which templates need attention, how urgently, why, and what to do about it.

One table, `attention_conditions`, says it all: each severity with the condition that gives it,
most severe first, written once. The database ranks templates with it (`severity_expression`)
and the list filters with it (`needs_attention`); Python reads the same conditions on loaded
templates (`severity_of`). The sentences a person reads are `templates_app.guidance`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Any

from django.db.models import Case, IntegerField, Q, Value, When

from templates_app.models import QualityScore, TemplateStatus, WhatsAppTemplate
from templates_app.reasons import quality_sentence, status_sentence

# A review that has waited longer than this is overdue: Meta usually answers within a day.
PENDING_OVERDUE_AFTER = timedelta(hours=48)


class Severity(IntEnum):
    """Most severe first: the order of the critical templates."""

    # Its business account or phone number cannot send (templates_app.sending_path_health).
    PATH_BLOCKED = 0
    DISABLED = 1
    LOCKED = 2
    LIMIT_EXCEEDED = 3
    QUALITY_RED = 4
    PAUSED = 5
    REJECTED = 6
    FLAGGED = 7
    PENDING_OVERDUE = 8


@dataclass(frozen=True, slots=True)
class Guidance:
    """What a person reads about a template, number or account: why, and what to do about it.

    `what_to_do` is "" when nothing is to be done; `severity` is None when nothing needs
    attention. Built by `templates_app.guidance`, the one place these words come from.
    """

    why: str
    what_to_do: str
    severity: Severity | None


ACTION_REQUIRED: dict[Severity, str] = {
    Severity.PATH_BLOCKED: "See its business account's health: nothing sends through it until "
    "what blocks the account or number is lifted",
    Severity.DISABLED: "Create a new template and move its campaigns to it",
    Severity.LOCKED: "Wait for Meta to unlock the template; it cannot be edited or sent meanwhile",
    Severity.LIMIT_EXCEEDED: "Delete unused templates of this business account to get under "
    "Meta's limit",
    Severity.QUALITY_RED: "Review template quality metrics and resubmit",
    Severity.PAUSED: "Wait for Meta to lift the pause; improve the content to avoid a disable",
    Severity.REJECTED: "Fix what Meta rejected and submit the template again",
    Severity.FLAGGED: "Improve the template's quality now, or Meta will disable it",
    Severity.PENDING_OVERDUE: "Contact Meta support: review is overdue",
}


@dataclass(frozen=True, slots=True)
class Field:
    """One condition on a template's field, or its account's or number's (`a__b` follows a
    foreign key): the database reads it as a `Q`, Python as a test of loaded objects."""

    path: str
    lookup: str
    value: Any

    def q(self) -> Q:
        return Q(**{f"{self.path}__{self.lookup}": self.value})

    def holds(self, template: Any) -> bool:
        value: Any = template
        for name in self.path.split("__"):
            value = getattr(value, name, None)
            if value is None:
                # A missing number, like SQL's NULL, meets nothing but `isnull`.
                break
        if self.lookup == "isnull":
            return (value is None) is self.value
        if value is None:
            return False
        return _LOOKUPS[self.lookup](value, self.value)


_LOOKUPS: dict[str, Callable[[Any, Any], bool]] = {
    "exact": lambda value, wanted: value == wanted,
    "in": lambda value, wanted: value in wanted,
    "lt": lambda value, wanted: value < wanted,
    "gt": lambda value, wanted: value > wanted,
}


@dataclass(frozen=True, slots=True)
class AnyOf:
    conditions: tuple[Condition, ...]

    def q(self) -> Q:
        combined = Q()
        for condition in self.conditions:
            combined |= condition.q()
        return combined

    def holds(self, template: Any) -> bool:
        return any(condition.holds(template) for condition in self.conditions)


@dataclass(frozen=True, slots=True)
class AllOf:
    conditions: tuple[Condition, ...]

    def q(self) -> Q:
        combined = Q()
        for condition in self.conditions:
            combined &= condition.q()
        return combined

    def holds(self, template: Any) -> bool:
        return all(condition.holds(template) for condition in self.conditions)


Condition = Field | AnyOf | AllOf


def attention_conditions(now: datetime) -> list[tuple[Severity, Condition]]:
    """Each severity with its condition, most severe first; a template takes the first it meets.

    Written once: `attention_rules` reads them as SQL, `severity_of` in Python.
    """
    overdue = now - PENDING_OVERDUE_AFTER
    return [
        (Severity.PATH_BLOCKED, path_blocked_condition(now)),
        (Severity.DISABLED, Field("status", "exact", TemplateStatus.DISABLED)),
        (Severity.LOCKED, Field("status", "exact", TemplateStatus.LOCKED)),
        (Severity.LIMIT_EXCEEDED, Field("status", "exact", TemplateStatus.LIMIT_EXCEEDED)),
        (Severity.QUALITY_RED, Field("quality_score", "exact", QualityScore.RED)),
        (Severity.PAUSED, Field("status", "exact", TemplateStatus.PAUSED)),
        (Severity.REJECTED, Field("status", "exact", TemplateStatus.REJECTED)),
        (Severity.FLAGGED, Field("status", "exact", TemplateStatus.FLAGGED)),
        (
            Severity.PENDING_OVERDUE,
            # A template submitted before `pending_since` was kept waits since its creation.
            AllOf(
                (
                    Field("status", "exact", TemplateStatus.PENDING),
                    AnyOf(
                        (
                            Field("pending_since", "lt", overdue),
                            AllOf(
                                (
                                    Field("pending_since", "isnull", True),
                                    Field("created_at", "lt", overdue),
                                )
                            ),
                        )
                    ),
                )
            ),
        ),
    ]


def attention_rules(now: datetime) -> list[tuple[Severity, Q]]:
    """Each severity with its condition as SQL, most severe first."""
    return [(severity, condition.q()) for severity, condition in attention_conditions(now)]


# The same conditions as a "no" of `sending_path_health`, in SQL.
BLOCKED_NUMBER_STATUSES = ("BANNED", "RESTRICTED", "DISCONNECTED", "DELETED")


def path_blocked_condition(now: datetime) -> AnyOf:
    """The template's business account or phone number cannot send."""
    account = "business_account__"
    return AnyOf(
        (
            Field(f"{account}ban_state", "exact", "DISABLE"),
            Field(f"{account}connection_state", "in", ("PARTNER_REMOVED", "ACCOUNT_OFFBOARDED")),
            Field(f"{account}review_decision", "exact", "REJECTED"),
            Field(f"{account}restricted_from_starting_until", "gt", now),
            Field(f"{account}health_blocked", "exact", True),
            Field("phone_number__status", "in", BLOCKED_NUMBER_STATUSES),
            Field("phone_number__health_blocked", "exact", True),
        )
    )


def path_blocked(now: datetime) -> Q:
    """The template's business account or phone number cannot send, as SQL."""
    return path_blocked_condition(now).q()


def needs_attention(now: datetime) -> Q:
    """The condition of a template that meets any rule."""
    condition = Q()
    for _, rule in attention_rules(now):
        condition |= rule
    return condition


def severity_of(template: WhatsAppTemplate, *, now: datetime) -> Severity | None:
    """The template's severity from its loaded fields (and its account's and number's, which
    it reads: load them with it for many templates); None when it needs nothing.

    The same rules as `severity_expression`, evaluated in Python.
    """
    for severity, condition in attention_conditions(now):
        if condition.holds(template):
            return severity
    return None


def severity_expression(now: datetime) -> Case:
    """The template's severity as a number (lower is worse), NULL for one that needs nothing."""
    return Case(
        *(When(rule, then=Value(int(severity))) for severity, rule in attention_rules(now)),
        default=None,
        output_field=IntegerField(),
    )


def current_status_reason(template: WhatsAppTemplate) -> str:
    """Why the template is in its status, from what Meta told us with it."""
    status = template.status
    return status_sentence(
        status,
        reason_code=template.disabled_reason if status == TemplateStatus.DISABLED else None,
        # A pause's title and text outlive it (a disable follows a pause): only a pause uses them.
        pause_title=template.paused_title if status == TemplateStatus.PAUSED else None,
        description=template.pause_description if status == TemplateStatus.PAUSED else None,
        rejection_reason=template.rejection_reason if status == TemplateStatus.REJECTED else None,
    )


def attention_reason(template: WhatsAppTemplate, severity: Severity) -> str:
    """The human reason behind the severity: the current quality or status, as a sentence."""
    if severity is Severity.QUALITY_RED:
        return quality_sentence("", template.quality_score)
    if severity is Severity.PATH_BLOCKED:
        return "It cannot send: its business account or phone number cannot."
    if severity is Severity.PENDING_OVERDUE:
        hours = int(PENDING_OVERDUE_AFTER.total_seconds() // 3600)
        return f"{status_sentence(TemplateStatus.PENDING)} for more than {hours} hours"
    return current_status_reason(template)


def failure_rate(*, sent: int, failed: int) -> float:
    """Failed over sent, rounded to 3 places; 0.0 when nothing was sent."""
    return round(failed / sent, 3) if sent else 0.0
