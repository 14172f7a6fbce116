"""What other apps hear of a template's or a business account's news, in our own words.

A unit of work (a webhook delivery, a page of a sync, a person's action) hands every change it
made, as a list, to the reaction list the settings name (`TEMPLATE_REACTIONS`, read top to
bottom like `MIDDLEWARE`); business-account news goes to `BUSINESS_ACCOUNT_REACTIONS`. Each
reaction is a plain function `react(changes, context)`, called once for the whole list inside
the transaction that made the changes, so its writes commit or roll back with them. Earlier
reactions leave in the `ReactionContext` what later ones need. This module names no other app.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from templates_app.models import WhatsAppTemplate


class ChangeKind(StrEnum):
    """What about the template changed."""

    STATUS = "status"
    QUALITY = "quality"
    CATEGORY = "category"
    CORRECT_CATEGORY = "correct_category"
    COMPONENTS = "components"
    # A person deleted the template (it is kept, marked deleted).
    DELETED = "deleted"
    # A person asked Meta to lift a pause by pacing; `reason` is Meta's answer, in a sentence.
    UNPAUSE_REQUESTED = "unpause_requested"


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
    short code the reason came from (e.g. `SCAM`), for machines. `status` and `quality_score`
    are the template's just after this change: a unit of work may change the template again
    before its reactions run. `actor` is the person who acted (source `user`), else None.
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
    status: str = ""
    quality_score: str = ""
    actor: Any = None

    def __post_init__(self) -> None:
        if not self.status:
            object.__setattr__(self, "status", self.template.status)
        if not self.quality_score:
            object.__setattr__(self, "quality_score", self.template.quality_score)

    @property
    def organization_id(self) -> Any:
        return self.template.organization_id


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


# --- the reactions ------------------------------------------------------------------------------


@dataclass
class Effect:
    """Something a reaction leaves for a later one to write: `position` is the index of the
    change that caused it, so that the unit of work's rows keep the order of its changes."""

    position: int
    value: Any


@dataclass
class ReactionContext:
    """What the reactions of one unit of work leave for the ones after them.

    `campaigns_held` is, for each change that blocked its template (by its position in the
    list), how many campaigns the template held paused once that change was applied (for its
    alert's "3 campaigns paused"). `audit_entries`
    and `live_messages` are rows for the audit and live reactions to write with their own, one
    INSERT each; `new_alert_ids` are the alerts to notify, once the unit of work commits.
    """

    campaigns_paused: dict[Any, list[Any]] = field(default_factory=dict)
    campaigns_resumed: dict[Any, list[Any]] = field(default_factory=dict)
    campaigns_held: dict[int, int] = field(default_factory=dict)
    # Campaigns moved to a fallback template (by the template they left), and how many each
    # blocking change moved (by its position), for the alert's "2 campaigns moved to a fallback".
    campaigns_switched: dict[Any, list[Any]] = field(default_factory=dict)
    campaigns_switched_at: dict[int, int] = field(default_factory=dict)
    audit_entries: list[Effect] = field(default_factory=list)
    live_messages: list[Effect] = field(default_factory=list)
    new_alert_ids: list[str] = field(default_factory=list)

    @staticmethod
    def effects_by_position(effects: Sequence[Effect]) -> dict[int, list[Any]]:
        """What earlier reactions left, grouped by the position of the change that caused it."""
        grouped: dict[int, list[Any]] = defaultdict(list)
        for effect in effects:
            grouped[effect.position].append(effect.value)
        return grouped


# What a unit of work's reactions did, as a delivery's answer and history count it.
EFFECTS = ("campaigns_paused", "alerts_raised")


def effects_of(context: ReactionContext) -> dict[str, int]:
    """How many campaigns the reactions paused and how many alerts they raised."""
    return {
        "campaigns_paused": len({pk for ids in context.campaigns_paused.values() for pk in ids}),
        "alerts_raised": len(context.new_alert_ids),
    }


TemplateReaction = Callable[[Sequence[TemplateChange], ReactionContext], None]
AccountReaction = Callable[[Sequence[BusinessAccountEvent], ReactionContext], None]


@cache
def _imported(paths: tuple[str, ...]) -> tuple[Callable[..., None], ...]:
    return tuple(import_string(path) for path in paths)


def react_to_template_changes(changes: Sequence[TemplateChange]) -> ReactionContext:
    """Run `TEMPLATE_REACTIONS`, in order, each once for all the changes of a unit of work."""
    context = ReactionContext()
    if changes:
        for reaction in _imported(tuple(settings.TEMPLATE_REACTIONS)):
            reaction(changes, context)
    return context


def react_to_account_events(events: Sequence[BusinessAccountEvent]) -> ReactionContext:
    """Run `BUSINESS_ACCOUNT_REACTIONS`, in order, once for the events of a unit of work."""
    context = ReactionContext()
    if events:
        for reaction in _imported(tuple(settings.BUSINESS_ACCOUNT_REACTIONS)):
            reaction(events, context)
    return context
