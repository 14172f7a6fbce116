"""Campaigns follow their template: a block pauses them, its return may resume them.

The unit of work's status changes are taken per template in order; a run of changes in the
same direction (PAUSED then DISABLED) moves campaigns once, at its first. The k-th move of
every template is made together: one UPDATE per direction, so a delivery pausing 200 templates
is one statement, and a template paused, reinstated and paused again within it still moves its
campaigns three times, in order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from enum import Enum
from typing import Any

from django.db.models import Count

from audit import services as audit
from campaigns import services
from campaigns.models import Campaign
from live.broadcast import MessageType, message
from templates_app.changes import ChangeKind, Effect, ReactionContext, TemplateChange
from templates_app.models import BLOCKED_STATUSES, SENDABLE_STATUSES, WhatsAppTemplate
from templates_app.reasons import reason_phrase


class Direction(Enum):
    PAUSE = "pause"
    RESUME = "resume"


def direction_of(change: TemplateChange) -> Direction | None:
    """Sendable, not merely unblocked: REJECTED → IN_APPEAL resumes nothing, and the APPROVED
    that ends the appeal resumes what the rejection paused."""
    if change.kind != ChangeKind.STATUS:
        return None
    if change.new in BLOCKED_STATUSES:
        return Direction.PAUSE
    if change.new in SENDABLE_STATUSES:
        return Direction.RESUME
    return None


def react(changes: Sequence[TemplateChange], context: ReactionContext) -> None:
    blocking = [
        position
        for position, change in enumerate(changes)
        if change.kind == ChangeKind.STATUS and change.new in BLOCKED_STATUSES
    ]
    # For the alerts' titles: what each template held before, counted on as its campaigns move.
    held = _held_by({changes[position].template.pk for position in blocking}) if blocking else {}
    moved_at: dict[int, int] = {}
    for moves in _rounds(changes):
        for direction, move in (
            (Direction.PAUSE, services.pause_campaigns_of_templates),
            (Direction.RESUME, services.resume_campaigns_of_templates),
        ):
            caused = {
                change.template.pk: (position, change)
                for position, change, towards in moves
                if towards is direction
            }
            if caused:
                reasons = {
                    pk: services.template_reason(change) for pk, (_, change) in caused.items()
                }
                if direction is Direction.PAUSE:  # a usable fallback first: keep sending
                    _switch_to_fallbacks(context, caused)
                moved = move(reasons)
                _leave(context, direction, caused, reasons, moved)
                if direction is Direction.RESUME:
                    _switch_back(context, caused)
                sign = 1 if direction is Direction.PAUSE else -1
                for campaign in moved:
                    position = caused[campaign.template_id][0]
                    moved_at[position] = moved_at.get(position, 0) + sign
    blocking_positions = set(blocking)
    for position, change in enumerate(changes):
        pk = change.template.pk
        if pk in held:
            held[pk] += moved_at.get(position, 0)
            if position in blocking_positions:
                context.campaigns_held[position] = held[pk]


def _rounds(
    changes: Sequence[TemplateChange],
) -> list[list[tuple[int, TemplateChange, Direction]]]:
    """The k-th campaign move of each template, for k = 1, 2, …"""
    moves: dict[Any, list[tuple[int, TemplateChange, Direction]]] = defaultdict(list)
    for position, change in enumerate(changes):
        towards = direction_of(change)
        if towards is None:
            continue
        earlier = moves[change.template.pk]
        # The same direction again finds nothing left to move.
        if not earlier or earlier[-1][2] is not towards:
            earlier.append((position, change, towards))
    depth = max((len(template_moves) for template_moves in moves.values()), default=0)
    return [
        [template_moves[k] for template_moves in moves.values() if k < len(template_moves)]
        for k in range(depth)
    ]


def _leave(
    context: ReactionContext,
    direction: Direction,
    caused: dict[Any, tuple[int, TemplateChange]],
    reasons: dict[Any, str],
    moved: list[services.Moved],
) -> None:
    """The audit entries and the live message of each template's moved campaigns."""
    by_template: dict[Any, list[services.Moved]] = defaultdict(list)
    for campaign in moved:
        by_template[campaign.template_id].append(campaign)
    paused = direction is Direction.PAUSE
    for template_id, campaigns in by_template.items():
        position, change = caused[template_id]
        ids = [campaign.pk for campaign in campaigns]
        (context.campaigns_paused if paused else context.campaigns_resumed).setdefault(
            template_id, []
        ).extend(ids)
        actor_type = audit.actor_type_of_source(change.source)
        for campaign in campaigns:
            move = (
                [campaign.status, Campaign.Status.PAUSED]
                if paused
                else [Campaign.Status.PAUSED, campaign.status]
            )
            entry = audit.Entry(
                organization_id=change.template.organization_id,
                actor_type=actor_type,
                action=audit.Action.CAMPAIGN_PAUSED if paused else audit.Action.CAMPAIGN_RESUMED,
                target_type=audit.TargetType.CAMPAIGN,
                target_id=str(campaign.pk),
                target_name=campaign.name,
                changes={"event": change.what_happened, "status": move},
                reason=reasons[template_id],
                event_at=change.occurred_at,
                delivery_id=change.delivery_id,
            )
            context.audit_entries.append(Effect(position, entry))
        context.live_messages.append(
            Effect(
                position,
                message(
                    change.template.organization_id,
                    MessageType.CAMPAIGNS_PAUSED if paused else MessageType.CAMPAIGNS_RESUMED,
                    {
                        "template_id": template_id,
                        "campaign_ids": ids,
                        "reason": reasons[template_id],
                    },
                ),
            )
        )


def _held_by(template_ids: set[Any]) -> dict[Any, int]:
    """How many live campaigns each template holds paused (0 for none), in one query."""
    rows = (
        Campaign.objects.filter(
            template_id__in=template_ids,
            status=Campaign.Status.PAUSED,
            paused_by_template=True,
            deleted_at__isnull=True,
        )
        .values_list("template_id")
        .annotate(held=Count("pk"))
        .order_by()
    )
    return {**dict.fromkeys(template_ids, 0), **dict(rows)}


# --- fallback templates -------------------------------------------------------------------------


def block_sentence(change: TemplateChange) -> str:
    """`spring_sale was disabled by Meta: scam`"""
    sentence = f"{change.template.name} was {change.new.replace('_', ' ').lower()} by Meta"
    phrase = reason_phrase(change.reason_code)
    return f"{sentence}: {phrase}" if phrase else sentence


def _switch_to_fallbacks(
    context: ReactionContext, caused: dict[Any, tuple[int, TemplateChange]]
) -> None:
    why = {pk: block_sentence(change) for pk, (_, change) in caused.items()}
    switched = services.switch_campaigns_of_templates(why)
    for campaign in switched:
        position = caused[campaign.from_template_id][0]
        context.campaigns_switched.setdefault(campaign.from_template_id, []).append(campaign.pk)
        context.campaigns_switched_at[position] = context.campaigns_switched_at.get(position, 0) + 1
    _leave_switched(context, caused, switched, lambda change: why[change.template.pk])


def _switch_back(context: ReactionContext, caused: dict[Any, tuple[int, TemplateChange]]) -> None:
    switched = services.switch_back_campaigns_of_templates(list(caused))
    _leave_switched(
        context,
        {campaign.to_template_id: caused[campaign.to_template_id] for campaign in switched},
        switched,
        lambda change: f"{change.template.name} can send again",
        by="to",
    )


def _leave_switched(
    context: ReactionContext,
    caused: dict[Any, tuple[int, TemplateChange]],
    switched: list[services.Switched],
    why: Any,
    *,
    by: str = "from",
) -> None:
    """Each switched campaign's audit entry, and one live message per template and target."""
    if not switched:
        return
    names = dict(
        WhatsAppTemplate.objects.filter(
            pk__in={c.from_template_id for c in switched} | {c.to_template_id for c in switched}
        ).values_list("pk", "name")
    )
    groups: dict[tuple[Any, Any], list[services.Switched]] = defaultdict(list)
    for campaign in switched:
        groups[(campaign.from_template_id, campaign.to_template_id)].append(campaign)
    for (from_id, to_id), campaigns in groups.items():
        position, change = caused[from_id if by == "from" else to_id]
        reason = f"switched from {names[from_id]} to {names[to_id]}: {why(change)}"
        for campaign in campaigns:
            context.audit_entries.append(
                Effect(
                    position,
                    audit.Entry(
                        organization_id=change.template.organization_id,
                        actor_type=audit.actor_type_of_source(change.source),
                        action=audit.Action.CAMPAIGN_TEMPLATE_SWITCHED,
                        target_type=audit.TargetType.CAMPAIGN,
                        target_id=str(campaign.pk),
                        target_name=campaign.name,
                        changes={
                            "event": change.what_happened,
                            "template": [names[from_id], names[to_id]],
                        },
                        reason=reason,
                        event_at=change.occurred_at,
                        delivery_id=change.delivery_id,
                    ),
                )
            )
        context.live_messages.append(
            Effect(
                position,
                message(
                    change.template.organization_id,
                    MessageType.CAMPAIGNS_SWITCHED,
                    {
                        "template_id": from_id,
                        "to_template_id": to_id,
                        "campaign_ids": [campaign.pk for campaign in campaigns],
                        "reason": reason,
                    },
                ),
            )
        )
