"""What other apps hear of a phone number's or a business account's news, in our own words.

As for templates (`templates_app.changes`), a unit of work hands every change it made, as a
list, to the reaction list the settings name: `SENDING_PATH_REACTIONS`, read top to bottom,
each reaction called once inside the transaction that made the changes. This module names no
other app.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.conf import settings

from templates_app.changes import ChangeSource, ReactionContext, _imported


class PathChangeKind(StrEnum):
    """What about the number or account changed."""

    NUMBER_QUALITY = "number_quality"  # flagged, unflagged, limit up or down, throughput
    NUMBER_NAME = "number_name"  # Meta's decision on the display name
    ACCOUNT_RESTRICTION = "account_restriction"  # restricted, or a restriction lifted/expired
    ACCOUNT_BAN = "account_ban"  # scheduled for disable, disabled, reinstated
    ACCOUNT_VIOLATION = "account_violation"
    ACCOUNT_CONNECTION = "account_connection"  # offboarded, partner removed
    ACCOUNT_REVIEW = "account_review"
    ACCOUNT_CAPABILITY = "account_capability"  # daily conversations, numbers per account
    META_ALERT = "meta_alert"  # account_alerts: Meta's own words
    META_HEALTH = "meta_health"  # Meta's health check: BLOCKED, LIMITED or AVAILABLE again


class SendingEffect(StrEnum):
    """What the change means for the campaigns that send through the account."""

    STOPS = "stops"  # pause them
    ALLOWS = "allows"  # those that opted in may resume
    NONE = "none"


@dataclass(frozen=True, slots=True, kw_only=True)
class SendingPathChange:
    """One change to a business account or one of its numbers.

    `what_happened` is Meta's event (FLAGGED, DISABLE, ACCOUNT_RESTRICTION…), `sentence` what a
    person reads ("Meta restricted this account from starting conversations until …"),
    `previous`/`new` the value of the dimension `kind`.
    """

    account: Any
    phone_number: Any = None
    kind: PathChangeKind
    what_happened: str
    previous: str = ""
    new: str = ""
    sentence: str
    occurred_at: datetime
    source: ChangeSource = ChangeSource.META
    delivery_id: int | None = None
    sending: SendingEffect = SendingEffect.NONE
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def organization_id(self) -> Any:
        return self.account.organization_id


def react_to_sending_path_changes(changes: Sequence[SendingPathChange]) -> ReactionContext:
    """Run `SENDING_PATH_REACTIONS`, in order, each once for all the changes of a unit of work."""
    context = ReactionContext()
    if changes:
        for reaction in _imported(tuple(settings.SENDING_PATH_REACTIONS)):
            reaction(changes, context)
    return context
