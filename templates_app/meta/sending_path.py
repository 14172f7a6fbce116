"""Meta's news about the rest of the sending path: phone numbers and business accounts.

Six fields of the same WABA subscription, each read into one frozen event. A change is routed
by its keys first (Meta's own reference labels some bodies with the wrong field), then by its
`field`. Reading is bounded and never raises past the parser: what cannot be read makes the
change ignored, with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, TypeAlias

from .parser import (
    Spec,
    _is_digits,
    _is_int,
    _kind,
    _read,
    _Unusable,
    code,
    codes,
    long_text,
    text,
    unix_time,
    waba_id,
)


class PathField(StrEnum):
    PHONE_QUALITY = "phone_number_quality_update"
    ACCOUNT_UPDATE = "account_update"
    ACCOUNT_ALERTS = "account_alerts"
    ACCOUNT_REVIEW = "account_review_update"
    BUSINESS_CAPABILITY = "business_capability_update"
    PHONE_NAME = "phone_number_name_update"


PATH_FIELDS: frozenset[str] = frozenset(item.value for item in PathField)

PHONE_QUALITY_EVENTS = frozenset(
    {"FLAGGED", "UNFLAGGED", "UPGRADE", "DOWNGRADE", "THROUGHPUT_UPGRADE", "ONBOARDING"}
)
ACCOUNT_UPDATE_EVENTS = frozenset(
    {
        "ACCOUNT_VIOLATION",
        "ACCOUNT_RESTRICTION",
        "DISABLED_UPDATE",
        "ACCOUNT_OFFBOARDED",
        "PARTNER_REMOVED",
    }
)
BAN_STATES = frozenset({"SCHEDULE_FOR_DISABLE", "DISABLE", "REINSTATE"})
LIMIT_TIERS = frozenset(
    {"TIER_50", "TIER_250", "TIER_1K", "TIER_2K", "TIER_10K", "TIER_100K", "TIER_UNLIMITED"}
)
REVIEW_DECISIONS = frozenset({"APPROVED", "REJECTED", "PENDING", "DEFERRED"})
NAME_DECISIONS = frozenset({"APPROVED", "REJECTED", "PENDING", "DEFERRED"})
ALERT_ENTITY_TYPES = frozenset({"BUSINESS", "WABA", "PHONE_NUMBER"})


@dataclass(frozen=True, slots=True)
class Restriction:
    restriction_type: str
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class _PathEventBase:
    waba_id: str
    field: str
    occurred_at: datetime | None = None
    position: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PhoneQualityUpdate(_PathEventBase):
    display_phone_number: str
    event: str
    current_limit: str | None = None
    old_limit: str | None = None
    max_daily_conversations: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PhoneNameUpdate(_PathEventBase):
    display_phone_number: str
    decision: str
    requested_verified_name: str | None = None
    rejection_reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountUpdate(_PathEventBase):
    event: str
    violation_type: str | None = None
    restrictions: tuple[Restriction, ...] = ()
    ban_states: tuple[str, ...] = ()
    ban_date: date | None = None
    disconnection_info: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ban_state(self) -> str | None:
        """The last state Meta lists (REINSTATE after DISABLE is reinstated)."""
        return self.ban_states[-1] if self.ban_states else None


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountAlert(_PathEventBase):
    entity_type: str
    entity_id: str | None = None
    severity: str | None = None
    status: str | None = None
    alert_type: str
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountReviewUpdate(_PathEventBase):
    decision: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BusinessCapabilityUpdate(_PathEventBase):
    max_daily_conversations: int | None = None
    max_phone_numbers: int | None = None


PathEvent: TypeAlias = (
    PhoneQualityUpdate
    | PhoneNameUpdate
    | AccountUpdate
    | AccountAlert
    | AccountReviewUpdate
    | BusinessCapabilityUpdate
)
PATH_EVENT_TYPES = (
    PhoneQualityUpdate,
    PhoneNameUpdate,
    AccountUpdate,
    AccountAlert,
    AccountReviewUpdate,
    BusinessCapabilityUpdate,
)


def is_path_event(event: object) -> bool:
    return isinstance(event, PATH_EVENT_TYPES)


# --- readers --------------------------------------------------------------------------------

_MAX_COUNT = 10**12


def count(raw: Any, label: str, warnings: list[str]) -> int:
    """A non-negative whole number, as a JSON integer or a numeric string."""
    if not (_is_int(raw) or _is_digits(raw)) or len(str(raw)) > 13:
        raise _Unusable(f"{label} must be a whole number, got {_kind(raw)}")
    value = int(raw)
    if value < 0 or value > _MAX_COUNT:
        raise _Unusable(f"{label} is out of range")
    return value


def digits_of(raw: Any, label: str, warnings: list[str]) -> str:
    """A phone number as Meta shows it; compared on its digits only."""
    shown = text("waba_id", non_empty=True)(raw if not _is_int(raw) else str(raw), label, warnings)
    if not any(character.isdigit() for character in shown):
        raise _Unusable(f"{label} holds no digit")
    return shown


def day(raw: Any, label: str, warnings: list[str]) -> date:
    """A date as YYYY-MM-DD, or unix seconds."""
    if _is_int(raw) or _is_digits(raw):
        return unix_time(raw, label, warnings).date()
    checked = text("event")(raw, label, warnings)
    try:
        return date.fromisoformat(checked[:10])
    except ValueError:
        raise _Unusable(f"{label} is not a date: {checked[:20]!r}") from None


def restrictions(raw: Any, label: str, warnings: list[str]) -> tuple[Restriction, ...]:
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, list):
        raise _Unusable(f"{label} must be a list, got {_kind(raw)}")
    if len(raw) > 50:
        raise _Unusable(f"{label} has more than 50 restrictions")
    kept = []
    for index, item in enumerate(raw):
        where = f"{label}[{index}]"
        if not isinstance(item, Mapping):
            raise _Unusable(f"{where} must be an object, got {_kind(item)}")
        kind = item.get("restriction_type")
        if kind is None:
            raise _Unusable(f"{where} has no restriction_type")
        expiration = item.get("expiration")
        kept.append(
            Restriction(
                restriction_type=code("reason")(kind, f"{where}.restriction_type", warnings),
                expires_at=None
                if expiration is None
                else unix_time(expiration, f"{where}.expiration", warnings),
            )
        )
    return tuple(kept)


def small_object(raw: Any, label: str, warnings: list[str]) -> Mapping[str, Any]:
    """Meta's details kept as text values (at most 20 keys)."""
    if not isinstance(raw, Mapping):
        raise _Unusable(f"{label} must be an object, got {_kind(raw)}")
    kept: dict[str, Any] = {}
    for key, value in list(raw.items())[:20]:
        name = text("field")(key, f"{label} key", warnings)
        if isinstance(value, str):
            kept[name] = long_text(value, f"{label}.{name}", warnings)
        elif value is None or isinstance(value, bool | int | float):
            kept[name] = value
        else:
            warnings.append(f"{label}.{name} is not a plain value; left out")
    return kept


_CODE = code("reason")

PHONE_QUALITY_SPECS = (
    Spec("display_phone_number", "display_phone_number", digits_of, required=True),
    Spec("event", "event", _CODE, required=True, known=PHONE_QUALITY_EVENTS, name="event"),
    Spec("current_limit", "current_limit", _CODE, known=LIMIT_TIERS, name="limit"),
    Spec("old_limit", "old_limit", _CODE, known=LIMIT_TIERS, name="limit"),
    Spec("max_daily_conversations", "max_daily_conversations_per_business", count),
)
PHONE_NAME_SPECS = (
    Spec("display_phone_number", "display_phone_number", digits_of, required=True),
    Spec("decision", "decision", _CODE, required=True, known=NAME_DECISIONS, name="decision"),
    Spec("requested_verified_name", "requested_verified_name", text("name")),
    Spec("rejection_reason", "rejection_reason", long_text),
)
ACCOUNT_UPDATE_SPECS = (
    Spec("event", "event", _CODE, required=True, known=ACCOUNT_UPDATE_EVENTS, name="event"),
    Spec("violation_type", "violation_info.violation_type", _CODE),
    Spec("restrictions", "restriction_info", restrictions),
    Spec("ban_states", "ban_info.waba_ban_state", codes("reason")),
    Spec("ban_date", "ban_info.waba_ban_date", day),
    Spec("disconnection_info", "disconnection_info", small_object),
)
ACCOUNT_ALERT_SPECS = (
    Spec("entity_type", "entity_type", _CODE, required=True, known=ALERT_ENTITY_TYPES),
    Spec("entity_id", "entity_id", waba_id),
    Spec("severity", "alert_info.alert_severity", _CODE),
    Spec("status", "alert_info.alert_status", _CODE),
    Spec("alert_type", "alert_info.alert_type", _CODE, required=True),
    Spec("description", "alert_info.alert_description", long_text),
)
ACCOUNT_REVIEW_SPECS = (
    Spec("decision", "decision", _CODE, required=True, known=REVIEW_DECISIONS, name="decision"),
)
CAPABILITY_SPECS = (
    Spec("max_daily_conversations", "max_daily_conversations_per_business", count),
    Spec("max_phone_numbers", "max_phone_numbers_per_waba", count),
)

_EVENT_OF_FIELD: Mapping[str, tuple[type, tuple[Spec, ...]]] = {
    PathField.PHONE_QUALITY: (PhoneQualityUpdate, PHONE_QUALITY_SPECS),
    PathField.PHONE_NAME: (PhoneNameUpdate, PHONE_NAME_SPECS),
    PathField.ACCOUNT_UPDATE: (AccountUpdate, ACCOUNT_UPDATE_SPECS),
    PathField.ACCOUNT_ALERTS: (AccountAlert, ACCOUNT_ALERT_SPECS),
    PathField.ACCOUNT_REVIEW: (AccountReviewUpdate, ACCOUNT_REVIEW_SPECS),
    PathField.BUSINESS_CAPABILITY: (BusinessCapabilityUpdate, CAPABILITY_SPECS),
}

_TEMPLATE_KEYS = ("message_template_id", "message_template_name")


def path_field_of(field_name: str, value: Any) -> str | None:
    """Which of the six fields a change is, by its keys first, then by its `field`; None when
    it is none of them (a template's news)."""
    if not isinstance(value, Mapping):
        return field_name if field_name in PATH_FIELDS else None
    if any(key in value for key in _TEMPLATE_KEYS):
        return None
    if "alert_info" in value:
        return PathField.ACCOUNT_ALERTS
    if any(key in value for key in ("ban_info", "restriction_info", "violation_info")):
        return PathField.ACCOUNT_UPDATE
    if "requested_verified_name" in value:
        return PathField.PHONE_NAME
    if "display_phone_number" in value and "event" in value:
        return PathField.PHONE_QUALITY
    if "max_phone_numbers_per_waba" in value:
        return PathField.BUSINESS_CAPABILITY
    if field_name in PATH_FIELDS:
        return field_name
    return None


def read_path_change(
    path_field: str,
    value: Mapping[str, Any],
    *,
    waba: str,
    occurred_at: datetime | None,
    position: str,
    warnings: list[str],
) -> PathEvent:
    """The typed event of one change; raises `_Unusable` with the reason."""
    if not isinstance(value, Mapping):
        raise _Unusable(f"change value must be an object, got {_kind(value)}")
    event_class, specs = _EVENT_OF_FIELD[path_field]
    fields = _read(value, specs, warnings)
    if path_field == PathField.BUSINESS_CAPABILITY and not fields:
        raise _Unusable("business_capability_update has no limit")
    if path_field == PathField.ACCOUNT_UPDATE:
        _check_account_update(fields)
    return event_class(
        waba_id=waba,
        field=path_field,
        occurred_at=occurred_at,
        position=position,
        raw=value,
        warnings=tuple(warnings),
        **fields,
    )


def _check_account_update(fields: Mapping[str, Any]) -> None:
    event = fields["event"]
    # An empty restriction_info lifts every restriction; a missing one says nothing.
    if event == "ACCOUNT_RESTRICTION" and "restrictions" not in fields:
        raise _Unusable("ACCOUNT_RESTRICTION has no restriction_info")
    if event == "DISABLED_UPDATE" and not fields.get("ban_states"):
        raise _Unusable("DISABLED_UPDATE has no ban_info.waba_ban_state")


def phone_digits(number: str) -> str:
    """A phone number's digits: "+1 555 000 1111" and "15550001111" are the same number."""
    return "".join(character for character in number if character.isdigit())


def utc_midnight(value: date) -> datetime:
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


# --- bodies in Meta's format, for the demo and the tests ------------------------------------


def path_change_body(
    *, waba_id: str, field: str, value: Mapping[str, Any], occurred_at: int
) -> dict:
    """One change of the sending path's fields, enveloped as Meta sends it."""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": waba_id,
                "time": occurred_at,
                "changes": [{"field": field, "value": dict(value)}],
            }
        ],
    }


def demo_path_body(event: str, *, waba_id: str, display_phone_number: str, now: int) -> dict:
    """The demo's events (`make webhook EVENT=…`) for the account and its first number."""
    digits = phone_digits(display_phone_number)
    week = 7 * 24 * 3600
    values: dict[str, tuple[str, dict[str, Any]]] = {
        "FLAGGED_NUMBER": (
            PathField.PHONE_QUALITY,
            {"display_phone_number": digits, "event": "FLAGGED", "current_limit": "TIER_10K"},
        ),
        "UNFLAGGED_NUMBER": (
            PathField.PHONE_QUALITY,
            {"display_phone_number": digits, "event": "UNFLAGGED", "current_limit": "TIER_10K"},
        ),
        "DOWNGRADED_NUMBER": (
            PathField.PHONE_QUALITY,
            {
                "display_phone_number": digits,
                "event": "DOWNGRADE",
                "current_limit": "TIER_2K",
                "old_limit": "TIER_10K",
            },
        ),
        "RESTRICTED": (
            PathField.ACCOUNT_UPDATE,
            {
                "event": "ACCOUNT_RESTRICTION",
                "restriction_info": [
                    {
                        "restriction_type": "RESTRICTED_BIZ_INITIATED_MESSAGING",
                        "expiration": now + week,
                    }
                ],
            },
        ),
        "LIFT_RESTRICTION": (
            PathField.ACCOUNT_UPDATE,
            {"event": "ACCOUNT_RESTRICTION", "restriction_info": []},
        ),
        "DISABLE_ACCOUNT": (
            PathField.ACCOUNT_UPDATE,
            {
                "event": "DISABLED_UPDATE",
                "ban_info": {
                    "waba_ban_state": ["DISABLE"],
                    "waba_ban_date": datetime.fromtimestamp(now, tz=UTC).date().isoformat(),
                },
            },
        ),
        "REINSTATE_ACCOUNT": (
            PathField.ACCOUNT_UPDATE,
            {
                "event": "DISABLED_UPDATE",
                "ban_info": {
                    "waba_ban_state": ["REINSTATE"],
                    "waba_ban_date": datetime.fromtimestamp(now, tz=UTC).date().isoformat(),
                },
            },
        ),
    }
    field_name, value = values[event]
    return path_change_body(waba_id=waba_id, field=field_name, value=value, occurred_at=now)


DEMO_PATH_EVENTS = (
    "FLAGGED_NUMBER",
    "UNFLAGGED_NUMBER",
    "DOWNGRADED_NUMBER",
    "RESTRICTED",
    "LIFT_RESTRICTION",
    "DISABLE_ACCOUNT",
    "REINSTATE_ACCOUNT",
)
