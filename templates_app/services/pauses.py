"""Keep each pause of Meta's pause ladder: a reaction, first of `TEMPLATE_REACTIONS`.

A template paused (or locked) opens a `TemplatePause` with Meta's title and description; the
template sending again (approved, unpaused, reinstated) or paused anew ends the open one. Costs
nothing for a unit of work with no pause in it, else one UPDATE and one INSERT.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db.models import Case, DateTimeField, Value, When
from django.db.models.fields import CharField

from templates_app.changes import ChangeKind, ReactionContext, TemplateChange
from templates_app.models import TemplatePause, TemplateStatus
from templates_app.pause_ladder import expected_back_at

PAUSED_STATUSES = frozenset({TemplateStatus.PAUSED, TemplateStatus.LOCKED})


def record_pauses(changes: Sequence[TemplateChange], context: ReactionContext) -> None:
    new_pauses: dict[Any, list[TemplatePause]] = {}
    # The first end of each template's pauses in this unit of work ends those opened before it.
    ended_before: dict[Any, tuple[datetime, str]] = {}

    def end(template_id: Any, at: datetime, by: str) -> None:
        for pause in new_pauses.get(template_id, []):
            if pause.ended_at is None:
                pause.ended_at, pause.ended_by = at, by
        ended_before.setdefault(template_id, (at, by))

    for change in changes:
        if change.kind != ChangeKind.STATUS:
            continue
        template_id = change.template.pk
        title = str(change.details.get("pause_title") or "").upper()
        if change.new in PAUSED_STATUSES:
            if change.previous in PAUSED_STATUSES:  # a pause replacing another
                end(template_id, change.occurred_at, title or change.what_happened)
            description = str(change.details.get("pause_description") or "")
            new_pauses.setdefault(template_id, []).append(
                TemplatePause(
                    template_id=template_id,
                    title=title,
                    description=description,
                    paused_at=change.occurred_at,
                    expected_back_at=expected_back_at(title, description, change.occurred_at),
                    delivery_id=change.delivery_id,
                )
            )
        elif change.previous in PAUSED_STATUSES:
            end(template_id, change.occurred_at, title or change.what_happened)
    if ended_before:
        TemplatePause.objects.filter(
            template_id__in=list(ended_before), ended_at__isnull=True
        ).update(
            ended_at=Case(
                *(When(template_id=pk, then=Value(at)) for pk, (at, _) in ended_before.items()),
                output_field=DateTimeField(),
            ),
            ended_by=Case(
                *(When(template_id=pk, then=Value(by)) for pk, (_, by) in ended_before.items()),
                output_field=CharField(),
            ),
        )
    rows = [pause for pauses in new_pauses.values() for pause in pauses]
    if rows:
        TemplatePause.objects.bulk_create(rows, ignore_conflicts=True)
