"""Writes to campaigns: creation, a person's pause and resume, and following Meta's verdicts.

Lock order where writers meet: the template row first, then its campaigns. Meta's events lock
the template before they reach here; `resume_campaign` and `create_campaign` do the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple
from uuid import UUID

from django.db import transaction
from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from audit import services as audit
from campaigns.fallbacks import incompatibility
from campaigns.models import Campaign, CampaignFallback
from live.broadcast import MessageType, broadcast
from organizations.models import User
from pytake.db import update_returning
from pytake.exceptions import ApplicationError, ConflictError
from pytake.names import check_name
from templates_app.changes import TemplateChange
from templates_app.models import TemplateStatus, WhatsAppTemplate
from templates_app.services.sending_path import account_cannot_send, campaign_blockers


@transaction.atomic
def create_campaign(
    *,
    template: WhatsAppTemplate,
    name: str,
    status: str = Campaign.Status.DRAFT,
    auto_resume: bool = False,
) -> Campaign:
    check_name(name)
    # Locked so that a blocking event cannot slip between this check and the insert.
    template = WhatsAppTemplate.objects.select_for_update().get(pk=template.pk)
    if status in Campaign.SENDING_STATUSES and template.is_blocked:
        raise ApplicationError(
            f"Template {template.name} ({template.language}) is {template.status}: "
            f"a campaign using it cannot be {status}.",
            extra={"template": str(template.pk), "template_status": template.status},
        )
    return Campaign.objects.create(
        organization_id=template.organization_id,
        template=template,
        name=name,
        status=status,
        auto_resume=auto_resume,
    )


# --- a person's pause and resume ----------------------------------------------------------------


@transaction.atomic
def pause_campaign(campaign: Campaign, *, actor: User | None, reason: str) -> Campaign:
    """A person (or the system, with no actor) pauses a campaign; Meta never resumes it.

    A campaign the template paused may be paused again by a person: it then waits for them.
    """
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _refuse_deleted(campaign)
    if campaign.status == Campaign.Status.PAUSED and not campaign.paused_by_template:
        raise ConflictError(
            f"Campaign {campaign.name} is already paused.",
            extra={"campaign": str(campaign.pk), "status": campaign.status},
        )
    if campaign.status not in (*Campaign.SENDING_STATUSES, Campaign.Status.PAUSED):
        raise ConflictError(
            f"Campaign {campaign.name} is {campaign.status}: only an active or scheduled "
            "campaign can be paused.",
            extra={"campaign": str(campaign.pk), "status": campaign.status},
        )
    changes: dict[str, list] = {"status": [campaign.status, Campaign.Status.PAUSED]}
    if campaign.paused_by_template:
        changes["paused_by_template"] = [True, False]
    if campaign.status in Campaign.SENDING_STATUSES:
        campaign.status_before_pause = campaign.status
    campaign.status = Campaign.Status.PAUSED
    campaign.paused_by_template = False
    campaign.pause_reason = reason
    campaign.paused_at = timezone.now()
    _save_pause_state(
        campaign, actor=actor, action=audit.Action.CAMPAIGN_PAUSED, changes=changes, reason=reason
    )
    _announce(
        MessageType.CAMPAIGNS_PAUSED,
        organization_id=campaign.organization_id,
        template_id=campaign.template_id,
        campaign_ids=[campaign.pk],
        reason=reason,
    )
    return campaign


@transaction.atomic
def resume_campaign(campaign: Campaign, *, actor: User | None, reason: str = "") -> Campaign:
    """A person resumes a paused campaign to the status it had before the pause.

    Refused (409) while the template is blocked: Meta would not send it.
    """
    template = (
        # The template's row only: its account is read, not locked.
        WhatsAppTemplate.objects.select_for_update(of=("self",))
        .select_related("business_account")
        .get(pk=campaign.template_id)
    )
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _refuse_deleted(campaign)
    if campaign.status != Campaign.Status.PAUSED:
        raise ConflictError(
            f"Campaign {campaign.name} is {campaign.status}, not paused.",
            extra={"campaign": str(campaign.pk), "status": campaign.status},
        )
    if template.is_blocked:
        raise ConflictError(
            f"Template {template.name} ({template.language}) is {template.status}: campaign "
            f"{campaign.name} stays paused until Meta makes the template sendable again.",
            extra={
                "template": str(template.pk),
                "template_name": template.name,
                "template_language": template.language,
                "template_status": template.status,
            },
        )
    blockers = campaign_blockers(template.business_account, now=timezone.now())
    if blockers:
        raise ConflictError(
            f"Campaign {campaign.name} stays paused: {' '.join(blockers)}",
            extra={
                "campaign": str(campaign.pk),
                "business_account": str(template.business_account_id),
            },
        )
    new_status = _status_to_resume(campaign)
    campaign.status = new_status
    campaign.status_before_pause = ""
    campaign.paused_by_template = False
    campaign.paused_by_account = False
    campaign.pause_reason = ""
    campaign.paused_at = None
    _save_pause_state(
        campaign,
        actor=actor,
        action=audit.Action.CAMPAIGN_RESUMED,
        changes={"status": [Campaign.Status.PAUSED, new_status]},
        reason=reason,
    )
    _announce(
        MessageType.CAMPAIGNS_RESUMED,
        organization_id=campaign.organization_id,
        template_id=template.pk,
        campaign_ids=[campaign.pk],
        reason=reason,
    )
    return campaign


PAUSE_STATE_FIELDS = [
    "status",
    "status_before_pause",
    "paused_by_template",
    "paused_by_account",
    "pause_reason",
    "paused_at",
    "updated_at",
]


def _save_pause_state(
    campaign: Campaign, *, actor: User | None, action: str, changes: dict, reason: str
) -> None:
    """Save what a person's pause, resume or cancel changed, and record who did it and why."""
    campaign.save(update_fields=PAUSE_STATE_FIELDS)
    _record_person(campaign, actor=actor, action=action, changes=changes, reason=reason)


def _record_person(
    campaign: Campaign, *, actor: User | None, action: str, changes: dict, reason: str
) -> None:
    audit.record(
        organization_id=campaign.organization_id,
        actor_type=audit.actor_type_of(actor),
        actor=actor,
        action=action,
        target_type=audit.TargetType.CAMPAIGN,
        target_id=campaign.pk,
        target_name=campaign.name,
        changes=changes,
        reason=reason,
    )


def _announce(
    message_type: MessageType,
    *,
    organization_id: UUID,
    template_id: UUID,
    campaign_ids: list[UUID],
    reason: str,
) -> None:
    """One live message for campaigns that paused or resumed together, whatever their number."""
    if campaign_ids:
        broadcast(
            organization_id,
            message_type,
            {"template_id": template_id, "campaign_ids": campaign_ids, "reason": reason},
        )


def _refuse_deleted(campaign: Campaign) -> None:
    if campaign.deleted_at is not None:
        raise ConflictError(
            f"Campaign {campaign.name} is deleted.", extra={"campaign": str(campaign.pk)}
        )


def _status_to_resume(campaign: Campaign) -> str:
    if campaign.status_before_pause in Campaign.SENDING_STATUSES:
        return campaign.status_before_pause
    return Campaign.Status.ACTIVE


# --- a person's other changes -------------------------------------------------------------------


@transaction.atomic
def update_campaign(*, campaign: Campaign, name: str, auto_resume: bool) -> Campaign:
    """A person renames a campaign or changes whether it resumes by itself.

    Its status changes only through pause, resume and cancel.
    """
    check_name(name)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _refuse_deleted(campaign)
    campaign.name = name
    campaign.auto_resume = auto_resume
    campaign.save(update_fields=["name", "auto_resume", "updated_at"])
    return campaign


@transaction.atomic
def cancel_campaign(campaign: Campaign, *, actor: User | None, reason: str = "") -> Campaign:
    """A person cancels a campaign for good: it never sends again, and nothing resumes it."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _refuse_deleted(campaign)
    if campaign.status in (Campaign.Status.COMPLETED, Campaign.Status.CANCELLED):
        raise ConflictError(
            f"Campaign {campaign.name} is {campaign.get_status_display().lower()}: "
            "it cannot be cancelled.",
            extra={"campaign": str(campaign.pk), "status": campaign.status},
        )
    changes = {"status": [campaign.status, Campaign.Status.CANCELLED]}
    campaign.status = Campaign.Status.CANCELLED
    campaign.status_before_pause = ""
    campaign.paused_by_template = False
    _save_pause_state(
        campaign,
        actor=actor,
        action=audit.Action.CAMPAIGN_CANCELLED,
        changes=changes,
        reason=reason,
    )
    return campaign


@transaction.atomic
def delete_campaign(campaign: Campaign, *, actor: User | None) -> Campaign:
    """Soft-delete a campaign: it stops sending and keeps its history. Twice changes nothing."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.deleted_at is not None:
        return campaign
    campaign.deleted_at = timezone.now()
    campaign.save(update_fields=["deleted_at", "updated_at"])
    _record_person(
        campaign,
        actor=actor,
        action=audit.Action.CAMPAIGN_DELETED,
        changes={"status": campaign.status},
        reason="",
    )
    return campaign


# --- Meta's verdicts on a template --------------------------------------------------------------


def template_reason(change: TemplateChange) -> str:
    """`Template <name> (<language>): <why>`, the why in a sentence."""
    template = change.template
    why = change.reason or f"{change.new.replace('_', ' ').lower()}, no reason given"
    return f"Template {template.name} ({template.language}): {why}"


class Moved(NamedTuple):
    """A campaign Meta's news paused or resumed: what its audit entry and live message name.

    `status` is the status it had before a pause, or the one a resume returned it to.
    """

    pk: UUID
    name: str
    template_id: UUID
    status: str


# Inside the caller's transaction (the unit of work's), which holds the templates' row locks: no
# campaign starts sending on a template (or is paused by it) without that lock. Each function is
# one statement whatever the number of templates and campaigns: an UPDATE that locks the rows it
# changes and returns them. The pause rule is written here only.


def pause_campaigns_of_templates(reasons: Mapping[UUID, str]) -> list[Moved]:
    """Pause every active or scheduled campaign of the blocked templates `reasons` names (the
    template's pk → why); each is marked paused by its template and remembers the status to
    return to."""
    if not reasons:
        return []
    now = timezone.now()
    sending = Campaign.objects.filter(
        template_id__in=list(reasons),
        status__in=Campaign.SENDING_STATUSES,
        deleted_at__isnull=True,
    )
    # In an UPDATE, `status` on the right-hand side is the value before this statement.
    rows = update_returning(
        sending,
        {
            "status": Campaign.Status.PAUSED,
            "status_before_pause": F("status"),
            "paused_by_template": True,
            "pause_reason": _by_template(reasons),
            "paused_at": now,
            "updated_at": now,
        },
        returning=["id", "name", "template", "status_before_pause"],
    )
    return [Moved(*row) for row in rows]


def resume_campaigns_of_templates(reasons: Mapping[UUID, str]) -> list[Moved]:
    """Resume the campaigns the templates `reasons` names paused that may resume by themselves.

    They return to the status they had. Those without `auto_resume` stay paused, resumable by a
    person (`selectors.resumable_campaigns`); so does every campaign a person paused.
    """
    if not reasons:
        return []
    now = timezone.now()
    # Paused by Meta (the template, or its account), and not by a person; an account that
    # still cannot send keeps them (its own return resumes them).
    resuming = Campaign.objects.filter(
        Q(paused_by_template=True) | Q(paused_by_account=True),
        template_id__in=list(reasons),
        status=Campaign.Status.PAUSED,
        auto_resume=True,
        status_before_pause__in=Campaign.SENDING_STATUSES,
        deleted_at__isnull=True,
    ).exclude(account_cannot_send(now, prefix="template__business_account__"))
    rows = update_returning(
        resuming,
        {
            "status": F("status_before_pause"),
            "status_before_pause": "",
            "paused_by_template": False,
            "paused_by_account": False,
            "pause_reason": "",
            "paused_at": None,
            "updated_at": now,
        },
        returning=["id", "name", "template", "status"],
    )
    return [Moved(*row) for row in rows]


def _by_template(values: Mapping[UUID, str]) -> Value | Case:
    """Each template's value, in one expression on the campaign's template."""
    if len(values) == 1:
        [value] = values.values()
        return Value(value)
    return Case(
        *(When(template_id=pk, then=Value(value)) for pk, value in values.items()),
        output_field=CharField(),
    )


# --- fallback templates -------------------------------------------------------------------------


@transaction.atomic
def set_fallbacks(
    *,
    campaign: Campaign,
    templates: Sequence[WhatsAppTemplate],
    switch_back: bool,
    actor: User | None = None,
) -> Campaign:
    """Name the campaign's fallback templates, in the order they are tried; 400 naming the part
    that differs when one cannot stand in for the campaign's template (`fallbacks.incompatibility`).
    """
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _refuse_deleted(campaign)
    own = WhatsAppTemplate.objects.get(pk=campaign.original_template_id or campaign.template_id)
    problems = [
        problem for problem in (incompatibility(own, template) for template in templates) if problem
    ]
    if len({template.pk for template in templates}) != len(templates):
        problems.append("A fallback template is named twice.")
    if problems:
        raise ApplicationError(problems[0], extra={"fallback_templates": problems})
    CampaignFallback.objects.filter(campaign=campaign).delete()
    CampaignFallback.objects.bulk_create(
        CampaignFallback(campaign=campaign, template=template, position=position)
        for position, template in enumerate(templates, start=1)
    )
    campaign.switch_back = switch_back
    campaign.save(update_fields=["switch_back", "updated_at"])
    _record_person(
        campaign,
        actor=actor,
        action=audit.Action.CAMPAIGN_FALLBACKS_SET,
        changes={
            "fallback_templates": [str(template) for template in templates],
            "switch_back": switch_back,
        },
        reason="",
    )
    return campaign


@transaction.atomic
def switch_campaign_template(
    campaign: Campaign, *, template: WhatsAppTemplate, actor: User | None
) -> Campaign:
    """A person moves a campaign to one of its fallbacks, or back to its original template."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _refuse_deleted(campaign)
    original_id = campaign.original_template_id or campaign.template_id
    if template.pk == campaign.template_id:
        raise ConflictError(f"Campaign {campaign.name} already sends {template.name}.")
    allowed = template.pk == original_id or campaign.fallbacks.filter(template=template).exists()
    if not allowed:
        raise ApplicationError(
            f"{template.name} is not one of the fallback templates of {campaign.name}.",
            extra={"template": [f"{template.name} is not one of its fallback templates."]},
        )
    if template.is_blocked:
        raise ConflictError(f"Template {template.name} is {template.status}: it cannot send.")
    previous = campaign.template
    campaign.template = template
    campaign.original_template_id = None if template.pk == original_id else original_id
    campaign.switched_at = timezone.now()
    campaign.switched_from = previous
    campaign.switch_reason = f"switched by hand from {previous.name} to {template.name}"
    campaign.save(
        update_fields=[
            "template",
            "switched_from",
            "original_template",
            "switched_at",
            "switch_reason",
            "updated_at",
        ]
    )
    _record_person(
        campaign,
        actor=actor,
        action=audit.Action.CAMPAIGN_TEMPLATE_SWITCHED,
        changes={"template": [previous.name, template.name]},
        reason=campaign.switch_reason,
    )
    broadcast(
        campaign.organization_id,
        MessageType.CAMPAIGNS_SWITCHED,
        {
            "template_id": previous.pk,
            "to_template_id": template.pk,
            "campaign_ids": [campaign.pk],
            "reason": campaign.switch_reason,
        },
    )
    return campaign


class Switched(NamedTuple):
    """A campaign moved by Meta's news from one template to another (a fallback, or back)."""

    pk: UUID
    name: str
    from_template_id: UUID
    to_template_id: UUID


def _usable_fallbacks() -> QuerySet[CampaignFallback]:
    """The fallbacks of the outer campaign that can send now, first first: APPROVED (not
    paused, not flagged for disabling), not deleted, not the template it sends now, and neither
    its business account nor its phone number stopped from sending (the sending path)."""
    return (
        CampaignFallback.objects.filter(
            campaign_id=OuterRef("pk"),
            template__status=TemplateStatus.APPROVED,
            template__deleted_at__isnull=True,
        )
        .exclude(template_id=OuterRef("template_id"))
        .exclude(account_cannot_send(timezone.now(), prefix="template__business_account__"))
        .exclude(template__phone_number__health_blocked=True)
        .order_by("position")
    )


def switch_campaigns_of_templates(reasons: Mapping[UUID, str]) -> list[Switched]:
    """Move every sending campaign of the blocked templates `reasons` names to its first
    fallback that can send: one UPDATE … RETURNING. Those with none are left for the pause."""
    if not reasons:
        return []
    moving = Campaign.objects.filter(
        template_id__in=list(reasons),
        status__in=Campaign.SENDING_STATUSES,
        deleted_at__isnull=True,
    ).filter(Exists(_usable_fallbacks()))
    now = timezone.now()
    # In an UPDATE, `template` on the right-hand side is the value before this statement.
    rows = update_returning(
        moving,
        {
            "template": Subquery(_usable_fallbacks().values("template_id")[:1]),
            "switched_from": F("template"),
            "original_template": Coalesce(F("original_template"), F("template")),
            "switched_at": now,
            "switch_reason": _by_template(reasons),
            "updated_at": now,
        },
        returning=["id", "name", "switched_from", "template"],
    )
    return [Switched(*row) for row in rows]


def switch_back_campaigns_of_templates(template_ids: Sequence[UUID]) -> list[Switched]:
    """Return the campaigns that opted in to their original template, sendable again: one
    UPDATE … RETURNING."""
    if not template_ids:
        return []
    returning = Campaign.objects.filter(
        original_template_id__in=list(template_ids),
        switch_back=True,
        deleted_at__isnull=True,
    ).exclude(status__in=[Campaign.Status.COMPLETED, Campaign.Status.CANCELLED])
    now = timezone.now()
    rows = update_returning(
        returning,
        {
            "template": F("original_template"),
            "switched_from": F("template"),
            "original_template": None,
            "switched_at": now,
            "switch_reason": "",
            "updated_at": now,
        },
        returning=["id", "name", "switched_from", "template"],
    )
    return [Switched(*row) for row in rows]
