"""Reads of business accounts, numbers and templates, scoped by organization first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.models import (
    Avg,
    Case,
    Count,
    Expression,
    F,
    FloatField,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, NullIf
from django.utils import timezone
from django.utils.module_loading import import_string

from organizations.models import User
from organizations.permissions import scope_to_organization
from templates_app.attention import (
    Severity,
    failure_rate,
    needs_attention,
    severity_expression,
)
from templates_app.guidance import template_guidance
from templates_app.models import (
    BLOCKED_STATUSES,
    BusinessAccount,
    PhoneNumber,
    QualityScore,
    SyncRun,
    TemplateDailyCounts,
    TemplatePause,
    TemplateStatus,
    WhatsAppTemplate,
)
from templates_app.pause_ladder import PauseLadder, read_ladder
from templates_app.reasons import reason_phrase

# Meta's time of the template's latest event of any kind, NULL when none was applied. Each
# Coalesce falls back on the other times, so the greatest ignores NULLs on every database
# (SQLite's MAX() of a NULL is NULL, PostgreSQL's GREATEST skips it).
_EVENT_TIMES = ("status_event_at", "quality_event_at", "category_event_at", "components_event_at")
LAST_EVENT_AT = Greatest(
    *(Coalesce(name, *(other for other in _EVENT_TIMES if other != name)) for name in _EVENT_TIMES)
)
# When the template last changed: its latest event, or its creation if Meta never spoke of it.
LAST_CHANGE_AT = Coalesce(LAST_EVENT_AT, "created_at")

# Best first, for ordering by quality: alphabetical order would put RED before YELLOW.
QUALITY_RANK = Case(
    *(
        When(quality_score=quality, then=Value(rank))
        for rank, quality in enumerate(
            (QualityScore.GREEN, QualityScore.YELLOW, QualityScore.RED, QualityScore.UNKNOWN)
        )
    ),
    default=Value(len(QualityScore.choices)),
    output_field=IntegerField(),
)


def business_accounts_for(user: User) -> QuerySet[BusinessAccount]:
    """The business accounts of the user's organization (every one for a super admin)."""
    return scope_to_organization(BusinessAccount.objects.all(), user)


def phone_numbers_for(user: User) -> QuerySet[PhoneNumber]:
    """The phone numbers of the user's organization, with their business account."""
    numbers = PhoneNumber.objects.select_related("business_account")
    return scope_to_organization(numbers, user, field="business_account__organization")


def templates_for(user: User) -> QuerySet[WhatsAppTemplate]:
    """The user's organization's templates that are not deleted here."""
    templates = WhatsAppTemplate.objects.filter(deleted_at__isnull=True)
    return scope_to_organization(templates, user)


def templates_of_number(user: User, *, phone_number: PhoneNumber) -> QuerySet[WhatsAppTemplate]:
    """The templates a number sends: its business account's, learned ones included, as listed.

    In Meta's model a template belongs to the business account and any of its numbers sends
    it; a template Meta created in its own manager has no number at all.
    """
    return template_list(user).filter(business_account_id=phone_number.business_account_id)


def template_list(user: User) -> QuerySet[WhatsAppTemplate]:
    """Every template of the user's organization, as the API shows them: with `open_alerts`,
    annotated for ordering by quality and change.

    The default order is by name and language; the primary key keeps pages stable.
    """
    return (
        with_open_alerts(templates_for(user))
        # The severity, account and number: each template's guidance reads them, no query more.
        .select_related("business_account", "phone_number")
        .annotate(
            quality_rank=QUALITY_RANK,
            last_change_at=LAST_CHANGE_AT,
            severity=severity_expression(timezone.now()),
        )
        .order_by("name", "language", "pk")
    )


def with_open_alerts(templates: QuerySet[WhatsAppTemplate]) -> QuerySet[WhatsAppTemplate]:
    """Annotate `open_alerts`: how many of each template's alerts are unresolved, in the same
    query (a subquery per template returned, no GROUP BY)."""
    return templates.annotate(open_alerts=_health_count("open_alerts"))


def with_health_counts(templates: QuerySet[WhatsAppTemplate]) -> QuerySet[WhatsAppTemplate]:
    """Annotate `open_alerts` and `campaigns_affected` (campaigns ACTIVE, SCHEDULED, or PAUSED
    by the template), each a subquery per template returned."""
    return with_open_alerts(templates).annotate(
        campaigns_affected=_health_count("campaigns_affected"),
        campaigns_switched=_health_count("campaigns_switched"),
    )


def with_attention(
    templates: QuerySet[WhatsAppTemplate], *, needed: bool, now: datetime | None = None
) -> QuerySet[WhatsAppTemplate]:
    """Of `templates`, those that need attention (or, with `needed=False`, those that do not)."""
    condition = needs_attention(now or timezone.now())
    return templates.filter(condition) if needed else templates.exclude(condition)


def monitored_templates(*, organization_id: UUID) -> QuerySet[WhatsAppTemplate]:
    """One organization's templates that exist: deleted here or by Meta, they are not counted."""
    return WhatsAppTemplate.objects.filter(
        organization_id=organization_id, deleted_at__isnull=True
    ).exclude(status=TemplateStatus.DELETED)


@dataclass(frozen=True, slots=True)
class CriticalTemplate:
    id: UUID
    name: str
    language: str
    status: str
    quality_score: str
    disabled_reason: str | None
    disabled_at: datetime | None
    paused_at: datetime | None
    reason: str
    sent_count: int
    failed_count: int
    failure_rate: float
    campaigns_affected: int
    open_alerts: int
    action_required: str
    last_event_at: datetime | None
    severity: Severity
    what_comes_next: str = ""
    can_be_unpaused: bool = False
    campaigns_switched: int = 0
    campaigns_summary: str = ""

    @property
    def path_is_blocked(self) -> bool:
        """It cannot send because its business account or number cannot: their health is
        where to act."""
        return self.severity is Severity.PATH_BLOCKED


@dataclass(frozen=True, slots=True)
class CriticalTemplates:
    templates: list[CriticalTemplate]
    total: int


def critical_templates(
    *, organization_id: UUID, limit: int | None = None, now: datetime | None = None
) -> CriticalTemplates:
    """The organization's templates that need attention, most severe first, then oldest change.

    Three queries whatever the number of templates: the count, the first `limit` templates
    with their affected campaigns and open alerts counted by the database (all of them when
    `limit` is None), and their pauses on Meta's ladder.
    """
    now = now or timezone.now()
    critical = monitored_templates(organization_id=organization_id).filter(needs_attention(now))
    rows = (
        with_health_counts(critical)
        .annotate(severity=severity_expression(now), last_change_at=LAST_CHANGE_AT)
        .order_by("severity", "last_change_at", "name", "language", "pk")
        .only(*CRITICAL_FIELDS)
    )
    chosen = list(rows[:limit])
    _load_sending_paths([t for t in chosen if t.severity == Severity.PATH_BLOCKED])
    ladders = pause_ladders_of(chosen, now=now)
    return CriticalTemplates(
        templates=[_critical_row(template, ladders[template.pk], now=now) for template in chosen],
        total=critical.count(),
    )


def _load_sending_paths(templates: list[Any]) -> None:
    """Give each template its business account and phone number, for the guidance of those
    that cannot send through them (two queries, only when some template cannot)."""
    if not templates:
        return
    accounts = BusinessAccount.objects.in_bulk({t.business_account_id for t in templates})
    numbers = PhoneNumber.objects.in_bulk({t.phone_number_id for t in templates})
    for template in templates:
        template.business_account = accounts[template.business_account_id]
        template.phone_number = numbers.get(template.phone_number_id)


# The columns a critical template's answer is made of; `only()` leaves components behind.
CRITICAL_FIELDS = (
    "name",
    "language",
    "status",
    "quality_score",
    "disabled_reason",
    "disabled_at",
    "paused_at",
    "paused_title",
    "pause_description",
    "rejection_reason",
    "disable_date",
    "sent_count",
    "failed_count",
    "business_account",
    "phone_number",
    *_EVENT_TIMES,
)


def _critical_row(template: Any, ladder: PauseLadder, *, now: datetime) -> CriticalTemplate:
    severity = Severity(template.severity)
    guidance = template_guidance(template, now=now)
    return CriticalTemplate(
        id=template.pk,
        name=template.name,
        language=template.language,
        status=template.status,
        quality_score=template.quality_score,
        disabled_reason=_phrase_or_none(template.disabled_reason),
        disabled_at=template.disabled_at,
        paused_at=template.paused_at,
        reason=guidance.why,
        sent_count=template.sent_count,
        failed_count=template.failed_count,
        failure_rate=failure_rate(sent=template.sent_count, failed=template.failed_count),
        campaigns_affected=template.campaigns_affected,
        open_alerts=template.open_alerts,
        action_required=guidance.what_to_do,
        last_event_at=template.last_event_at,
        severity=severity,
        what_comes_next=ladder.sentence(),
        can_be_unpaused=ladder.can_be_unpaused,
        campaigns_switched=template.campaigns_switched,
        campaigns_summary=campaigns_summary(
            switched=template.campaigns_switched,
            affected=template.campaigns_affected,
            blocked=template.status in BLOCKED_STATUSES,
        ),
    )


def campaigns_summary(*, switched: int, affected: int, blocked: bool) -> str:
    """`2 campaigns moved to a fallback, 1 paused` ("" when no campaign is concerned)."""
    parts = []
    if switched:
        parts.append(f"{switched} campaign{'s' if switched != 1 else ''} moved to a fallback")
    if affected:
        word = "paused" if blocked else "still sending it"
        noun = "" if parts else (" campaign" if affected == 1 else " campaigns")
        parts.append(f"{affected}{noun} {word}")
    return ", ".join(parts)


def _phrase_or_none(code: str) -> str | None:
    return reason_phrase(code) or None


def _health_count(name: str) -> Expression:
    """A per-template count of rows of the apps that react to templates (`open_alerts`,
    `campaigns_affected`): templates_app reads no other app's models, so the project names the
    expression that counts them in TEMPLATE_HEALTH_COUNTS."""
    return import_string(settings.TEMPLATE_HEALTH_COUNTS[name])()


def quality_summary(*, organization_id: UUID) -> dict[str, Any]:
    """Counts by status and quality, message totals and average rates, in one aggregate query.

    The averages are over the templates that sent anything (0.0 when none did), rounded to 3
    places; a template's success rate is one minus its failure rate.
    """

    # Counting a column of the index the summary reads alone (never NULL), not the id.
    def of_status(status: str) -> Count:
        return Count("status", filter=Q(status=status))

    def of_quality(quality: str) -> Count:
        return Count("status", filter=Q(quality_score=quality))

    per_template_failure = Cast("failed_count", FloatField()) / Cast(
        NullIf(F("sent_count"), 0), FloatField()
    )
    totals = monitored_templates(organization_id=organization_id).aggregate(
        total_templates=Count("*"),
        **{status.lower(): of_status(status) for status in SUMMARY_STATUSES},
        **{f"quality_{quality}": of_quality(quality) for quality in QualityScore.values},
        total_messages_sent=Coalesce(Sum("sent_count"), 0),
        total_messages_failed=Coalesce(Sum("failed_count"), 0),
        avg_failure=Avg(per_template_failure, filter=Q(sent_count__gt=0)),
    )
    avg_failure = totals.pop("avg_failure")
    distribution = {quality: totals.pop(f"quality_{quality}") for quality in QualityScore.values}
    return {
        **totals,
        "quality_distribution": distribution,
        "avg_success_rate": round(1 - avg_failure, 3) if avg_failure is not None else 0.0,
        "avg_failure_rate": round(avg_failure, 3) if avg_failure is not None else 0.0,
    }


# The statuses the summary counts, each under its own lower-case key.
SUMMARY_STATUSES = (
    TemplateStatus.APPROVED,
    TemplateStatus.PENDING,
    TemplateStatus.REJECTED,
    TemplateStatus.DISABLED,
    TemplateStatus.PAUSED,
    TemplateStatus.FLAGGED,
)


def sync_runs_of(account: BusinessAccount) -> QuerySet[SyncRun]:
    """The account's syncs with Meta, newest first (the caller scoped the account)."""
    return SyncRun.objects.filter(business_account=account).order_by("-requested_at", "-id")


# --- Meta's pause ladder ------------------------------------------------------------------------


def pause_ladders_of(
    templates: list[WhatsAppTemplate], *, now: datetime | None = None
) -> dict[Any, PauseLadder]:
    """Each template's place on Meta's pause ladder, from one query of their pauses."""
    now = now or timezone.now()
    since = now - timedelta(days=settings.TEMPLATE_PAUSE_WINDOW_DAYS)
    pauses: dict[Any, list[TemplatePause]] = {template.pk: [] for template in templates}
    if templates:
        for pause in TemplatePause.objects.filter(template__in=templates).order_by(
            "paused_at", "id"
        ):
            pauses[pause.template_id].append(pause)
    return {
        template.pk: read_ladder(template, pauses[template.pk], since=since)
        for template in templates
    }


def pause_ladder_of(template: WhatsAppTemplate, *, now: datetime | None = None) -> PauseLadder:
    return pause_ladders_of([template], now=now)[template.pk]


def daily_counts_of(template: WhatsAppTemplate, *, days: int = 31) -> list[TemplateDailyCounts]:
    """The template's kept daily counts of the last `days` days, oldest first."""
    since = timezone.now().date() - timedelta(days=days)
    return list(template.daily_counts.filter(day__gte=since).order_by("day"))
