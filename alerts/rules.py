"""Which alert a piece of news raises or resolves, and how the alert reads: the rules, written
once for Meta's webhook, the sync and the health check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from alerts.models import Alert
from templates_app.changes import AccountEventKind, ChangeKind, TemplateChange
from templates_app.models import TemplateStatus, WhatsAppTemplate
from templates_app.pause_ladder import SECOND_PAUSE, disable_warning, format_moment
from templates_app.reasons import QUALITY_WORDS, reason_phrase

Kind = Alert.Kind
Severity = Alert.Severity


@dataclass(frozen=True, slots=True)
class Rule:
    """The alert a piece of news raises, and how its title reads after "Template x (en_US)"."""

    kind: Kind
    severity: Severity
    predicate: str


# Keyed by the template's new status, or its new quality.
STATUS_RULES: dict[str, Rule] = {
    TemplateStatus.DISABLED: Rule(
        Kind.TEMPLATE_DISABLED, Severity.CRITICAL, "was disabled by Meta"
    ),
    TemplateStatus.PAUSED: Rule(Kind.TEMPLATE_PAUSED, Severity.WARNING, "was paused by Meta"),
    TemplateStatus.LOCKED: Rule(Kind.TEMPLATE_PAUSED, Severity.WARNING, "was locked by Meta"),
    TemplateStatus.FLAGGED: Rule(
        Kind.TEMPLATE_FLAGGED,
        Severity.WARNING,
        "was flagged by Meta: it will be disabled if its quality does not improve",
    ),
    TemplateStatus.REJECTED: Rule(Kind.TEMPLATE_REJECTED, Severity.INFO, "was rejected by Meta"),
}
QUALITY_RULES: dict[str, Rule] = {
    "RED": Rule(
        Kind.TEMPLATE_QUALITY_RED, Severity.CRITICAL, f"has {QUALITY_WORDS['RED']} quality"
    ),
    # One step from RED: the warning says what RED would do.
    "YELLOW": Rule(
        Kind.TEMPLATE_QUALITY_YELLOW,
        Severity.WARNING,
        f"has {QUALITY_WORDS['YELLOW']} quality: at RED, Meta pauses it (3 hours the first "
        "time, 6 the second) and then disables it",
    ),
}
CATEGORY_MISMATCH = Rule(Kind.TEMPLATE_CATEGORY_MISMATCH, Severity.INFO, "is in the wrong category")
PENDING_TOO_LONG = Rule(
    Kind.TEMPLATE_PENDING_TOO_LONG,
    Severity.WARNING,
    "has waited for Meta's review for more than 48 hours",
)

# Meta's pause ladder: the step before a disable is critical.
SECOND_PAUSE_RULE = Rule(
    Kind.TEMPLATE_SECOND_PAUSE,
    Severity.CRITICAL,
    "was paused a second time by Meta: Meta disables it at the next RED rating",
)
PAUSE_OVERDUE_KINDS = frozenset({Kind.TEMPLATE_PAUSE_OVERDUE})


def flagged_for_disable_rule(disable_date: datetime) -> Rule:
    """A FLAGGED template with Meta's disable date: critical, the date in its title."""
    return Rule(
        Kind.TEMPLATE_FLAGGED_FOR_DISABLE,
        Severity.CRITICAL,
        f"was flagged by Meta: {disable_warning(disable_date)}",
    )


def pause_overdue_rule(expected_back_at: datetime, *, late_by: str) -> Rule:
    return Rule(
        Kind.TEMPLATE_PAUSE_OVERDUE,
        Severity.WARNING,
        f"is still paused {late_by} after it was expected back ({format_moment(expected_back_at)})",
    )


QUALITY_KINDS = frozenset({Kind.TEMPLATE_QUALITY_RED, Kind.TEMPLATE_QUALITY_YELLOW})
# A new alert of the key replaces the open alerts of these kinds (resolved as escalated).
ESCALATES: dict[str, frozenset[str]] = {
    Kind.TEMPLATE_DISABLED: frozenset(
        {
            Kind.TEMPLATE_PAUSED,
            Kind.TEMPLATE_FLAGGED,
            Kind.TEMPLATE_SECOND_PAUSE,
            Kind.TEMPLATE_FLAGGED_FOR_DISABLE,
            Kind.TEMPLATE_PAUSE_OVERDUE,
        }
    ),
    Kind.TEMPLATE_SECOND_PAUSE: frozenset({Kind.TEMPLATE_PAUSED, Kind.TEMPLATE_PAUSE_OVERDUE}),
    Kind.TEMPLATE_FLAGGED_FOR_DISABLE: frozenset({Kind.TEMPLATE_FLAGGED}),
    Kind.TEMPLATE_QUALITY_RED: frozenset({Kind.TEMPLATE_QUALITY_YELLOW}),
}
# A template APPROVED again (approved, reinstated, pause lifted) is well again in these ways.
RESOLVED_BY_APPROVAL = frozenset(
    {
        Kind.TEMPLATE_DISABLED,
        Kind.TEMPLATE_PAUSED,
        Kind.TEMPLATE_FLAGGED,
        Kind.TEMPLATE_REJECTED,
        Kind.TEMPLATE_PENDING_TOO_LONG,
        Kind.TEMPLATE_SECOND_PAUSE,
        Kind.TEMPLATE_FLAGGED_FOR_DISABLE,
        Kind.TEMPLATE_PAUSE_OVERDUE,
    }
)

ACCOUNT_RULES: dict[str, tuple[Kind, Severity]] = {
    AccountEventKind.TOKEN_INVALID: (Kind.ACCOUNT_TOKEN_INVALID, Severity.CRITICAL),
    AccountEventKind.RELEASED: (Kind.ACCOUNT_RELEASED, Severity.WARNING),
}


@dataclass(frozen=True, slots=True)
class Raise:
    rule: Rule


@dataclass(frozen=True, slots=True)
class Resolve:
    kinds: frozenset[str]


def consequences(change: TemplateChange) -> list[Raise | Resolve]:
    """What a template's change does to its alerts, in order.

    Status: a blocked or flagged template raises an alert; an approved one resolves what it
    ended, one no longer pending ends the wait. Quality: YELLOW or RED raises an alert; any
    other quality resolves the quality alerts it ends (RED's escalation resolves YELLOW itself).
    Correct category: Meta found the template is of another category than it was sent as.
    """
    if change.kind == ChangeKind.STATUS:
        found: list[Raise | Resolve] = []
        if change.new == TemplateStatus.APPROVED:
            found.append(Resolve(RESOLVED_BY_APPROVAL))
        elif change.previous == TemplateStatus.PENDING:
            found.append(Resolve(frozenset({Kind.TEMPLATE_PENDING_TOO_LONG})))
        elif change.new == TemplateStatus.PAUSED:
            # A new pause: the last one's lateness is over.
            found.append(Resolve(PAUSE_OVERDUE_KINDS))
        rule = _ladder_rule(change) or STATUS_RULES.get(change.new)
        if rule is not None:
            found.append(Raise(rule))
        return found
    if change.kind == ChangeKind.QUALITY:
        rule = QUALITY_RULES.get(change.new)
        if rule is None:
            return [Resolve(QUALITY_KINDS)]
        ended = QUALITY_KINDS - {rule.kind} - ESCALATES.get(rule.kind, frozenset())
        return [Raise(rule), *([Resolve(frozenset(ended))] if ended else [])]
    if change.kind == ChangeKind.CORRECT_CATEGORY:
        return [Raise(CATEGORY_MISMATCH)]
    return []


def _ladder_rule(change: TemplateChange) -> Rule | None:
    """The critical steps of Meta's ladder: a second pause, a flag with a disable date."""
    if change.new == TemplateStatus.PAUSED and change.details.get("pause_title") == SECOND_PAUSE:
        return SECOND_PAUSE_RULE
    disable_date = change.details.get("disable_date")
    if change.new == TemplateStatus.FLAGGED and isinstance(disable_date, datetime):
        return flagged_for_disable_rule(disable_date)
    return None


def alert_title(
    template: WhatsAppTemplate,
    rule: Rule,
    *,
    reason_code: str = "",
    campaigns_paused: int = 0,
    campaigns_switched: int = 0,
) -> str:
    """`Template spring_sale (en_US) was disabled by Meta: scam. 2 campaigns moved to a
    fallback. 1 campaign paused.`"""
    title = f"Template {template.name} ({template.language}) {rule.predicate}"
    phrase = reason_phrase(reason_code) if rule.kind not in QUALITY_KINDS else ""
    title += f": {phrase}." if phrase else "."
    if campaigns_switched:
        noun = "campaign" if campaigns_switched == 1 else "campaigns"
        title += f" {campaigns_switched} {noun} moved to a fallback."
    if campaigns_paused:
        noun = "campaign" if campaigns_paused == 1 else "campaigns"
        title += f" {campaigns_paused} {noun} paused."
    return title[:300]


def alert_data(
    template: WhatsAppTemplate,
    *,
    reason: str,
    campaigns_paused: int,
    status: str | None = None,
    quality: str | None = None,
) -> dict[str, Any]:
    """What an alert about `template` keeps; `status` and `quality` as they stood at the news."""
    return {
        "template_id": str(template.pk),
        "template_name": template.name,
        "language": template.language,
        "status": status if status is not None else template.status,
        "quality": quality if quality is not None else template.quality_score,
        "reason": reason,
        "campaigns_paused": campaigns_paused,
    }


def template_change_data(change: TemplateChange, *, campaigns_paused: int) -> dict[str, Any]:
    """The data of an alert a template's change raises."""
    data = alert_data(
        change.template,
        reason=change.reason,
        campaigns_paused=campaigns_paused,
        status=change.status,
        quality=change.quality_score,
    )
    data.update(
        {
            "what_happened": change.what_happened,
            "reason_code": change.reason_code,
            "source": str(change.source),
            "occurred_at": change.occurred_at.isoformat(),
            "delivery_id": change.delivery_id,
        }
    )
    if change.kind == ChangeKind.CORRECT_CATEGORY:
        data["correct_category"] = change.new
    return data


# --- phone numbers and business accounts ------------------------------------------------------
# One open alert per account and kind, and per number and kind for a number's news.

ESCALATES[Kind.ACCOUNT_DISABLED] = frozenset({Kind.ACCOUNT_DISABLE_SCHEDULED})

# Keyed by (kind of change, Meta's event): the alert raised.
SENDING_PATH_RAISES: dict[tuple[str, str], tuple[Kind, Severity]] = {
    ("account_ban", "DISABLE"): (Kind.ACCOUNT_DISABLED, Severity.CRITICAL),
    ("account_ban", "SCHEDULE_FOR_DISABLE"): (Kind.ACCOUNT_DISABLE_SCHEDULED, Severity.WARNING),
    ("account_violation", "ACCOUNT_VIOLATION"): (Kind.ACCOUNT_VIOLATION, Severity.CRITICAL),
    ("account_connection", "PARTNER_REMOVED"): (Kind.ACCOUNT_DISCONNECTED, Severity.CRITICAL),
    ("number_quality", "FLAGGED"): (Kind.NUMBER_FLAGGED, Severity.WARNING),
    ("number_quality", "DOWNGRADE"): (Kind.NUMBER_LIMIT_LOWERED, Severity.WARNING),
    ("meta_health", "BLOCKED"): (Kind.HEALTH_BLOCKED, Severity.CRITICAL),
}
# Keyed the same way: the kinds of open alerts the news resolves.
SENDING_PATH_RESOLVES: dict[tuple[str, str], frozenset[str]] = {
    ("account_ban", "REINSTATE"): frozenset(
        {Kind.ACCOUNT_DISABLED, Kind.ACCOUNT_DISABLE_SCHEDULED}
    ),
    ("number_quality", "UNFLAGGED"): frozenset({Kind.NUMBER_FLAGGED}),
    ("number_quality", "UPGRADE"): frozenset({Kind.NUMBER_LIMIT_LOWERED}),
    ("account_restriction", "RESTRICTION_LIFTED"): frozenset({Kind.ACCOUNT_RESTRICTED}),
    ("account_restriction", "RESTRICTION_EXPIRED"): frozenset({Kind.ACCOUNT_RESTRICTED}),
    ("meta_health", "AVAILABLE"): frozenset({Kind.HEALTH_BLOCKED}),
    ("meta_health", "LIMITED"): frozenset({Kind.HEALTH_BLOCKED}),
}
MESSAGING_RESTRICTIONS = frozenset(
    {"RESTRICTED_BIZ_INITIATED_MESSAGING", "RESTRICTED_CUSTOMER_INITIATED_MESSAGING"}
)
META_SEVERITIES = {
    "CRITICAL": Severity.CRITICAL,
    "HIGH": Severity.CRITICAL,
    "WARNING": Severity.WARNING,
    "MEDIUM": Severity.WARNING,
}


def sending_path_consequences(change: Any) -> list[Raise | Resolve]:
    """What a number's or account's change (`SendingPathChange`) raises or resolves."""
    key = (str(change.kind), change.what_happened)
    if change.kind == "account_restriction":
        restricted = set(change.new.split(",")) & MESSAGING_RESTRICTIONS if change.new else set()
        if restricted and change.what_happened == "RESTRICTED":
            return [Raise(Rule(Kind.ACCOUNT_RESTRICTED, Severity.CRITICAL, change.sentence))]
        if not restricted:
            return [Resolve(frozenset({Kind.ACCOUNT_RESTRICTED}))]
        return []
    if change.kind == "meta_alert":
        if change.details.get("alert_status") == "RESOLVED":
            return [Resolve(frozenset({Kind.ACCOUNT_META_ALERT}))]
        severity = META_SEVERITIES.get(change.details.get("alert_severity", ""), Severity.INFO)
        return [Raise(Rule(Kind.ACCOUNT_META_ALERT, severity, change.sentence))]
    if change.kind == "meta_health" and change.phone_number is not None:
        if change.what_happened == "BLOCKED":
            return [Raise(Rule(Kind.NUMBER_HEALTH_BLOCKED, Severity.CRITICAL, change.sentence))]
        return [Resolve(frozenset({Kind.NUMBER_HEALTH_BLOCKED}))]
    raised = SENDING_PATH_RAISES.get(key)
    if raised is not None:
        return [Raise(Rule(raised[0], raised[1], change.sentence))]
    resolved = SENDING_PATH_RESOLVES.get(key)
    return [Resolve(resolved)] if resolved else []
