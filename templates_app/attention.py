"""Which templates need attention, how urgently, why, and what to do about it.

One table, `attention_rules`, says it all: each severity with the condition that gives it, most
severe first. The database ranks templates with it (`severity_expression`) and the list filters
with it (`needs_attention`); the sentences a person reads come from the template's stored fields.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import IntEnum

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


def attention_rules(now: datetime) -> list[tuple[Severity, Q]]:
    """Each severity with its condition, most severe first; a template takes the first it meets."""
    overdue = now - PENDING_OVERDUE_AFTER
    return [
        (Severity.PATH_BLOCKED, path_blocked(now)),
        (Severity.DISABLED, Q(status=TemplateStatus.DISABLED)),
        (Severity.LOCKED, Q(status=TemplateStatus.LOCKED)),
        (Severity.LIMIT_EXCEEDED, Q(status=TemplateStatus.LIMIT_EXCEEDED)),
        (Severity.QUALITY_RED, Q(quality_score=QualityScore.RED)),
        (Severity.PAUSED, Q(status=TemplateStatus.PAUSED)),
        (Severity.REJECTED, Q(status=TemplateStatus.REJECTED)),
        (Severity.FLAGGED, Q(status=TemplateStatus.FLAGGED)),
        (
            Severity.PENDING_OVERDUE,
            # A template submitted before `pending_since` was kept waits since its creation.
            Q(status=TemplateStatus.PENDING)
            & (
                Q(pending_since__lt=overdue) | Q(pending_since__isnull=True, created_at__lt=overdue)
            ),
        ),
    ]


# The same conditions as a "no" of `sending_path_health`, in SQL.
BLOCKED_NUMBER_STATUSES = ("BANNED", "RESTRICTED", "DISCONNECTED", "DELETED")


def path_blocked(now: datetime) -> Q:
    """The template's business account or phone number cannot send."""
    account = "business_account__"
    return (
        Q(**{f"{account}ban_state": "DISABLE"})
        | Q(**{f"{account}connection_state__in": ["PARTNER_REMOVED", "ACCOUNT_OFFBOARDED"]})
        | Q(**{f"{account}review_decision": "REJECTED"})
        | Q(**{f"{account}restricted_from_starting_until__gt": now})
        | Q(**{f"{account}health_blocked": True})
        | Q(phone_number__status__in=BLOCKED_NUMBER_STATUSES)
        | Q(phone_number__health_blocked=True)
    )


def needs_attention(now: datetime) -> Q:
    """The condition of a template that meets any rule."""
    condition = Q()
    for _, rule in attention_rules(now):
        condition |= rule
    return condition


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
