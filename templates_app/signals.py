"""Template signals: how other apps hear of a template's news without knowing Meta's format.

Each signal is sent with one keyword argument, `change`: a frozen `TemplateChange` of ours.
They are sent inside the transaction that applied the change, after the template row is
saved, so a receiver's writes commit or roll back with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.dispatch import Signal

from pytake import metrics

if TYPE_CHECKING:
    from templates_app.models import WhatsAppTemplate


class ChangeKind(StrEnum):
    """What about the template changed."""

    STATUS = "status"
    QUALITY = "quality"
    CATEGORY = "category"
    CORRECT_CATEGORY = "correct_category"
    COMPONENTS = "components"


class ChangeSource(StrEnum):
    """Who told us: Meta's webhook, a sync with Meta's Graph API, or a person."""

    META = "meta"
    SYNC = "sync"
    USER = "user"


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateChange:
    """One change to one template, in this service's words.

    `previous` and `new` are the values of the dimension `kind` (a status, a quality score, a
    category; for components a short summary). `what_happened` names the news itself, which
    may say more than the new value (`REINSTATED` and `UNPAUSED` both make a template
    APPROVED). `reason` is a sentence for people, "" when nobody gave one. `reason_code` is the
    short code the reason came from (e.g. `SCAM`), for machines.
    """

    template: WhatsAppTemplate
    kind: ChangeKind
    previous: str
    new: str
    what_happened: str
    reason: str = ""
    reason_code: str = ""
    occurred_at: datetime
    source: ChangeSource = ChangeSource.META
    delivery_id: int | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def organization_id(self) -> Any:
        return self.template.organization_id


# Each: kwargs `change` (TemplateChange).
template_status_changed = Signal()
template_quality_changed = Signal()
template_category_changed = Signal()
template_correct_category_detected = Signal()
template_components_changed = Signal()

SIGNALS_BY_KIND: dict[ChangeKind, Signal] = {
    ChangeKind.STATUS: template_status_changed,
    ChangeKind.QUALITY: template_quality_changed,
    ChangeKind.CATEGORY: template_category_changed,
    ChangeKind.CORRECT_CATEGORY: template_correct_category_detected,
    ChangeKind.COMPONENTS: template_components_changed,
}


def send_template_change(change: TemplateChange) -> None:
    """Announce `change` on the signal of its kind; the template model is the sender."""
    SIGNALS_BY_KIND[change.kind].send(sender=type(change.template), change=change)
    metrics.template_change_applied(kind=change.kind, source=change.source)


# Sent when a person deletes (soft-deletes) a template, inside its transaction. Kwargs:
# `template` (WhatsAppTemplate, with deleted_at set) and `actor` (the User, or None).
template_deleted = Signal()

# --- business accounts --------------------------------------------------------------------------


class AccountEventKind(StrEnum):
    """What happened to a business account."""

    TOKEN_INVALID = "token_invalid"
    CLAIMED = "claimed"
    RELEASED = "released"


@dataclass(frozen=True, slots=True, kw_only=True)
class BusinessAccountEvent:
    """News about a business account, for the apps that audit it and alert its people.

    `reason` is a sentence for people. For CLAIMED and RELEASED, `other_account` is the account
    on the other side of the claim (the released one, or the one that claimed).
    """

    account: Any
    kind: AccountEventKind
    reason: str
    occurred_at: datetime
    other_account: Any = None
    # The person whose request caused it (a claim); None when the system noticed it (a sync).
    actor: Any = None
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def organization_id(self) -> Any:
        return self.account.organization_id


# Each: kwargs `event` (BusinessAccountEvent).
business_account_token_invalid = Signal()
business_account_claimed = Signal()
business_account_released = Signal()

ACCOUNT_SIGNALS_BY_KIND: dict[AccountEventKind, Signal] = {
    AccountEventKind.TOKEN_INVALID: business_account_token_invalid,
    AccountEventKind.CLAIMED: business_account_claimed,
    AccountEventKind.RELEASED: business_account_released,
}


def send_account_event(event: BusinessAccountEvent) -> None:
    """Announce `event` on the signal of its kind; the account model is the sender."""
    ACCOUNT_SIGNALS_BY_KIND[event.kind].send(sender=type(event.account), event=event)
