"""Reads of the audit trail, scoped by organization first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.db.models.functions import Coalesce

from audit.models import AuditLog
from audit.services import TEMPLATE_HISTORY_ACTIONS, Action, TargetType
from organizations.models import User
from organizations.permissions import scope_to_organization
from templates_app.models import WhatsAppTemplate


def audit_entries_for(user: User) -> QuerySet[AuditLog]:
    """The entries of the user's organization (every one for a super admin), newest first."""
    entries = AuditLog.objects.select_related("actor").order_by("-created_at", "-id")
    return scope_to_organization(entries, user)


def template_status_history(*, template: WhatsAppTemplate) -> QuerySet[AuditLog]:
    """Meta's status and quality changes of one template, newest first by Meta's event time."""
    return AuditLog.objects.filter(
        organization_id=template.organization_id,
        target_type=TargetType.TEMPLATE,
        target_id=str(template.pk),
        action__in=TEMPLATE_HISTORY_ACTIONS,
    ).order_by("-event_at", "-id")


@dataclass(frozen=True, slots=True)
class HistoryRow:
    timestamp: datetime
    event_type: str | None
    previous_status: str | None
    new_status: str | None
    quality_score: str | None
    reason: str | None


def history_row(entry: AuditLog) -> HistoryRow:
    """One history line: a field that changed is `[before, after]`, one that did not is a value."""
    changes = entry.changes or {}
    status = changes.get("status")
    quality = changes.get("quality_score")
    return HistoryRow(
        timestamp=entry.event_at or entry.created_at,
        event_type=changes.get("event"),
        previous_status=_before(status),
        new_status=_after(status),
        quality_score=_after(quality),
        reason=entry.reason or None,
    )


def _before(value: Any) -> str | None:
    return value[0] if isinstance(value, list) else value


def _after(value: Any) -> str | None:
    return value[-1] if isinstance(value, list) else value


@dataclass(frozen=True, slots=True)
class QualityChange:
    template_id: str
    name: str
    language: str
    previous: str | None
    new: str | None
    timestamp: datetime


def recent_quality_changes(*, organization_id: UUID, limit: int = 10) -> list[QualityChange]:
    """The organization's latest quality changes in the audit trail, newest first (Meta's time).

    Two queries whatever the size of the trail: the entries, then their templates' names.
    """
    entries = list(
        AuditLog.objects.filter(
            organization_id=organization_id,
            action=Action.TEMPLATE_QUALITY_CHANGED,
            target_type=TargetType.TEMPLATE,
        )
        .annotate(happened_at=Coalesce("event_at", "created_at"))
        .order_by("-happened_at", "-id")
        .only("target_id", "target_name", "changes", "event_at", "created_at")[:limit]
    )
    templates = {
        str(pk): (name, language)
        for pk, name, language in WhatsAppTemplate.objects.filter(
            organization_id=organization_id, pk__in=_uuids(e.target_id for e in entries)
        ).values_list("pk", "name", "language")
    }
    changes = []
    for entry in entries:
        quality = (entry.changes or {}).get("quality_score")
        # A template deleted for good keeps its name in the entry; its language is then unknown.
        name, language = templates.get(entry.target_id, (entry.target_name, ""))
        changes.append(
            QualityChange(
                template_id=entry.target_id,
                name=name,
                language=language,
                previous=_before(quality),
                new=_after(quality),
                timestamp=entry.happened_at,
            )
        )
    return changes


def _uuids(values: Iterable[str]) -> list[UUID]:
    uuids = []
    for value in values:
        try:
            uuids.append(UUID(value))
        except ValueError:
            continue  # not a template of ours: its name stays the entry's
    return uuids
