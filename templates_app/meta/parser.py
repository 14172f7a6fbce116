"""Parse Meta's WhatsApp Business Account webhook bodies into typed template events.

Only whole-body problems raise (:class:`MetaPayloadError`). Anything wrong inside an entry or a
change becomes an :class:`IgnoredChange` with a reason, and the other changes still parse.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from .events import (
    KNOWN_CATEGORIES,
    KNOWN_OTHER_INFO_TITLES,
    KNOWN_REASONS,
    CategoryUpdate,
    ComponentsUpdate,
    Field,
    IgnoredChange,
    QualityScore,
    QualityUpdate,
    StatusEvent,
    StatusUpdate,
    TemplateEvent,
    TemplateRef,
)

WHATSAPP_OBJECT = "whatsapp_business_account"
QUALITY_CHANGE_EVENT = "QUALITY_CHANGE"
BUTTON_KEY_PREFIX = "message_template_button_"

_EnumT = TypeVar("_EnumT", bound=StrEnum)


class MetaPayloadError(ValueError):
    """The body as a whole is not a WhatsApp Business Account webhook; the message says why."""


@dataclass(frozen=True, slots=True)
class ParsedDelivery:
    """Every change of one delivery, in body order (entry order, then change order)."""

    events: tuple[TemplateEvent | IgnoredChange, ...]

    @property
    def applicable(self) -> tuple[TemplateEvent, ...]:
        return tuple(event for event in self.events if not isinstance(event, IgnoredChange))

    @property
    def ignored(self) -> tuple[IgnoredChange, ...]:
        return tuple(event for event in self.events if isinstance(event, IgnoredChange))


class _Unusable(Exception):
    """Raised inside the parser when a change cannot be applied; the message is the reason."""


# --- whole body -------------------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"JSON constant {name} is not allowed")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"number {text} is out of range")
    return number


def parse_body(body: bytes) -> dict[str, Any]:
    """Decode the raw request body; integers stay exact, NaN and Infinity are refused."""
    try:
        payload = json.loads(
            body.decode("utf-8"), parse_constant=_reject_constant, parse_float=_finite_float
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MetaPayloadError("Request body is not valid JSON.") from exc
    if not isinstance(payload, dict):
        raise MetaPayloadError(f"Request body must be a JSON object, got {_kind(payload)}.")
    return payload


def parse_payload(payload: Mapping[str, Any]) -> ParsedDelivery:
    """Turn a decoded body into events; raises :class:`MetaPayloadError` only for the envelope."""
    if not isinstance(payload, Mapping):
        raise MetaPayloadError(f"Request body must be a JSON object, got {_kind(payload)}.")
    if "object" not in payload:
        raise MetaPayloadError(f"Payload has no 'object'; expected {WHATSAPP_OBJECT!r}.")
    if payload["object"] != WHATSAPP_OBJECT:
        raise MetaPayloadError(
            f"Unsupported object {payload['object']!r}; expected {WHATSAPP_OBJECT!r}."
        )
    entries = payload.get("entry")
    if entries is None:
        raise MetaPayloadError("Payload has no 'entry' list.")
    if not isinstance(entries, list):
        raise MetaPayloadError(f"Payload 'entry' must be a list, got {_kind(entries)}.")

    events: list[TemplateEvent | IgnoredChange] = []
    for index, entry in enumerate(entries):
        events.extend(_parse_entry(entry, position=f"entry[{index}]"))
    return ParsedDelivery(events=tuple(events))


def parse_delivery_body(body: bytes) -> ParsedDelivery:
    """``parse_payload(parse_body(body))``."""
    return parse_payload(parse_body(body))


# --- entries and changes ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Change:
    """What one change parser needs: its value plus what the entry tells about it."""

    position: str
    waba_id: str
    occurred_at: datetime | None
    value: Mapping[str, Any]
    warnings: list[str]

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def common(self) -> dict[str, Any]:
        return {
            "waba_id": self.waba_id,
            "template": _template_ref(self.value),
            "occurred_at": self.occurred_at,
            "position": self.position,
            "raw": self.value,
        }


def _parse_entry(entry: Any, *, position: str) -> list[TemplateEvent | IgnoredChange]:
    if not isinstance(entry, Mapping):
        reason = f"entry must be an object, got {_kind(entry)}"
        return [
            IgnoredChange(position=position, field=None, waba_id=None, reason=reason, raw=entry)
        ]

    entry_waba_id = _usable_id(entry.get("id"))
    entry_warnings: list[str] = []
    occurred_at = _entry_time(entry, entry_warnings)

    changes = entry.get("changes")
    if not isinstance(changes, list):
        reason = (
            "entry has no 'changes' list"
            if changes is None
            else f"entry.changes must be a list, got {_kind(changes)}"
        )
        return [
            IgnoredChange(
                position=position, field=None, waba_id=entry_waba_id, reason=reason, raw=entry
            )
        ]
    return [
        _parse_change(
            change,
            position=f"{position}.changes[{index}]",
            entry_waba_id=entry_waba_id,
            occurred_at=occurred_at,
            entry_warnings=entry_warnings,
        )
        for index, change in enumerate(changes)
    ]


def _entry_time(entry: Mapping[str, Any], warnings: list[str]) -> datetime | None:
    raw = entry.get("time")
    if raw is None:
        return None
    if not _is_int(raw):
        warnings.append(f"entry.time must be an integer, got {_kind(raw)}; time ignored")
        return None
    try:
        return datetime.fromtimestamp(raw, tz=UTC)
    except (OverflowError, OSError, ValueError):
        warnings.append(f"entry.time {raw} is out of range; time ignored")
        return None


def _parse_change(
    change: Any,
    *,
    position: str,
    entry_waba_id: str | None,
    occurred_at: datetime | None,
    entry_warnings: list[str],
) -> TemplateEvent | IgnoredChange:
    if not isinstance(change, Mapping):
        return IgnoredChange(
            position=position,
            field=None,
            waba_id=entry_waba_id,
            reason=f"change must be an object, got {_kind(change)}",
            raw=change,
        )
    value = change.get("value")
    field_name = change.get("field")
    raw = value if "value" in change else change
    value_waba_id = _usable_id(value.get("waba_id")) if isinstance(value, Mapping) else None

    def ignored(reason: str, field: str | None = None) -> IgnoredChange:
        return IgnoredChange(
            position=position,
            field=field,
            waba_id=value_waba_id or entry_waba_id,
            reason=reason,
            raw=raw,
        )

    if not isinstance(field_name, str):
        if field_name is None:
            return ignored("change has no 'field'")
        return ignored(f"change field must be a string, got {_kind(field_name)}")
    parser = _FIELD_PARSERS.get(field_name)
    if parser is None:
        return ignored(f"field {field_name!r} is not handled", field_name)
    if not isinstance(value, Mapping):
        return ignored(f"change value must be an object, got {_kind(value)}", field_name)

    try:
        waba_id = _waba_id(value, entry_waba_id)
        context = _Change(
            position=position,
            waba_id=waba_id,
            occurred_at=occurred_at,
            value=value,
            warnings=list(entry_warnings),
        )
        return parser(context)
    except _Unusable as exc:
        return ignored(str(exc), field_name)


def _waba_id(value: Mapping[str, Any], entry_waba_id: str | None) -> str:
    # The seed shape carries the WABA in value.waba_id and something else in entry.id.
    if value.get("waba_id") is not None:
        waba_id = _usable_id(value["waba_id"])
        if waba_id is None:
            raise _Unusable(
                f"waba_id must be a non-empty string or an integer, got {_kind(value['waba_id'])}"
            )
        return waba_id
    if entry_waba_id is None:
        raise _Unusable("missing WABA id: no value.waba_id and no usable entry.id")
    return entry_waba_id


# --- one parser per field ---------------------------------------------------------------------


def _parse_status_update(change: _Change) -> TemplateEvent:
    value = change.value
    event_name = _required_str(value, "event")
    special = _STATUS_EVENT_PARSERS.get(event_name)
    if special is not None:
        return special(change)
    event = _member(StatusEvent, event_name, "event")

    reason = _optional_str(value, "reason")
    _warn_unknown(change, "reason", reason, KNOWN_REASONS)
    category = _optional_str(value, "message_template_category")
    _warn_unknown(change, "category", category, KNOWN_CATEGORIES)
    other_info = _optional_object(value, "other_info")
    other_info_title = _optional_str(other_info, "title", label="other_info.title")
    _warn_unknown(change, "other_info.title", other_info_title, KNOWN_OTHER_INFO_TITLES)
    disable_info = _optional_object(value, "disable_info")
    rejection_info = _optional_object(value, "rejection_info")

    common = change.common()
    return StatusUpdate(
        **common,
        event=event,
        reason=reason,
        category=category,
        other_info_title=other_info_title,
        other_info_description=_optional_str(
            other_info, "description", label="other_info.description"
        ),
        disable_date=_unix_time(disable_info, "disable_date", label="disable_info.disable_date"),
        rejection_reason=_optional_str(rejection_info, "reason", label="rejection_info.reason"),
        rejection_recommendation=_optional_str(
            rejection_info, "recommendation", label="rejection_info.recommendation"
        ),
        warnings=tuple(change.warnings),
    )


def _parse_quality_update(change: _Change) -> TemplateEvent:
    return _quality_update(change, new_quality_key="new_quality_score")


def _parse_seed_quality_change(change: _Change) -> TemplateEvent:
    # Shape from the product specification: a status update whose event is QUALITY_CHANGE.
    return _quality_update(change, new_quality_key="quality_score")


def _quality_update(change: _Change, *, new_quality_key: str) -> TemplateEvent:
    value = change.value
    common = change.common()
    return QualityUpdate(
        **common,
        new_quality=_member(QualityScore, _required_str(value, new_quality_key), "quality"),
        previous_quality=_optional_quality(value, "previous_quality_score"),
        reasons=_quality_reasons(value),
        warnings=tuple(change.warnings),
    )


def _parse_category_update(change: _Change) -> TemplateEvent:
    value = change.value
    previous_category = _optional_str(value, "previous_category")
    new_category = _optional_str(value, "new_category")
    correct_category = _optional_str(value, "correct_category")
    if new_category is None and correct_category is None:
        raise _Unusable("template_category_update has neither new_category nor correct_category")
    for key, category in (
        ("previous_category", previous_category),
        ("new_category", new_category),
        ("correct_category", correct_category),
    ):
        _warn_unknown(change, key, category, KNOWN_CATEGORIES)
    category_change_at = _unix_time(value, "category_update_timestamp")
    if correct_category is not None and category_change_at is None:
        change.warn("announced category change has no category_update_timestamp")

    common = change.common()
    return CategoryUpdate(
        **common,
        previous_category=previous_category,
        new_category=new_category,
        correct_category=correct_category,
        category_change_at=category_change_at,
        warnings=tuple(change.warnings),
    )


def _parse_components_update(change: _Change) -> TemplateEvent:
    value = change.value
    raw_buttons = value.get("message_template_buttons")
    if raw_buttons is None:
        raw_buttons = []
    if not isinstance(raw_buttons, list):
        raise _Unusable(f"message_template_buttons must be a list, got {_kind(raw_buttons)}")
    buttons = tuple(
        _button(button, label=f"message_template_buttons[{index}]")
        for index, button in enumerate(raw_buttons)
    )

    common = change.common()
    return ComponentsUpdate(
        **common,
        title=_optional_str(value, "message_template_title"),
        body=_optional_str(value, "message_template_element"),
        footer=_optional_str(value, "message_template_footer"),
        buttons=buttons,
        warnings=tuple(change.warnings),
    )


_FIELD_PARSERS: Mapping[str, Callable[[_Change], TemplateEvent]] = {
    Field.STATUS: _parse_status_update,
    Field.QUALITY: _parse_quality_update,
    Field.CATEGORY: _parse_category_update,
    Field.COMPONENTS: _parse_components_update,
}

# Events of the status field that are not status changes.
_STATUS_EVENT_PARSERS: Mapping[str, Callable[[_Change], TemplateEvent]] = {
    QUALITY_CHANGE_EVENT: _parse_seed_quality_change,
}


# --- values -----------------------------------------------------------------------------------


def _kind(raw: Any) -> str:
    return _JSON_KINDS.get(type(raw), type(raw).__name__)


_JSON_KINDS: Mapping[type, str] = {
    type(None): "null",
    bool: "bool",
    int: "int",
    float: "float",
    str: "str",
    list: "list",
    dict: "object",
}


def _is_int(raw: Any) -> bool:
    return isinstance(raw, int) and not isinstance(raw, bool)


def _is_digits(raw: Any) -> bool:
    return isinstance(raw, str) and raw.isascii() and raw.isdigit()


def _usable_id(raw: Any) -> str | None:
    if _is_int(raw):
        return str(raw)
    if isinstance(raw, str) and raw.strip():
        return raw.strip()
    return None


def _template_ref(value: Mapping[str, Any]) -> TemplateRef:
    template = TemplateRef(
        meta_template_id=_template_id(value.get("message_template_id")),
        name=_optional_str(value, "message_template_name", non_empty=True),
        language=_optional_str(value, "message_template_language", non_empty=True),
    )
    if template.meta_template_id is None and template.name is None:
        raise _Unusable("message_template_id or message_template_name is required")
    return template


def _template_id(raw: Any) -> str | None:
    if raw is None:
        return None
    if _is_int(raw):
        if raw < 0:
            raise _Unusable(f"message_template_id must not be negative, got {raw}")
        return str(raw)
    if _is_digits(raw):
        try:
            return str(int(raw))
        except ValueError as exc:  # more digits than int() accepts
            raise _Unusable("message_template_id is too long") from exc
    raise _Unusable(f"message_template_id must be an integer or a numeric string, got {_kind(raw)}")


def _optional_str(
    mapping: Mapping[str, Any], key: str, *, label: str | None = None, non_empty: bool = False
) -> str | None:
    raw = mapping.get(key)
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise _Unusable(f"{label or key} must be a string, got {_kind(raw)}")
    if non_empty and not raw.strip():
        raise _Unusable(f"{label or key} must not be empty")
    return raw


def _required_str(mapping: Mapping[str, Any], key: str) -> str:
    raw = _optional_str(mapping, key)
    if raw is None:
        raise _Unusable(f"missing required key {key!r}")
    return raw


def _optional_object(mapping: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    raw = mapping.get(key)
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise _Unusable(f"{key} must be an object, got {_kind(raw)}")
    return raw


def _unix_time(
    mapping: Mapping[str, Any], key: str, *, label: str | None = None
) -> datetime | None:
    raw = mapping.get(key)
    if raw is None:
        return None
    if not (_is_int(raw) or _is_digits(raw)):
        raise _Unusable(f"{label or key} must be an integer or a numeric string, got {_kind(raw)}")
    try:
        return datetime.fromtimestamp(int(raw), tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise _Unusable(f"{label or key} {raw} is out of range") from exc


def _member(enum: type[_EnumT], raw: str, label: str) -> _EnumT:
    try:
        return enum(raw)
    except ValueError:
        raise _Unusable(f"unknown {label} {raw!r}") from None


def _optional_quality(mapping: Mapping[str, Any], key: str) -> QualityScore | None:
    raw = _optional_str(mapping, key)
    return None if raw is None else _member(QualityScore, raw, "quality")


def _quality_reasons(value: Mapping[str, Any]) -> tuple[str, ...]:
    raw = value.get("quality_score_reason")
    if raw is None:
        return ()
    if isinstance(raw, str):
        return (raw,)
    if isinstance(raw, list) and all(isinstance(reason, str) for reason in raw):
        return tuple(raw)
    raise _Unusable("quality_score_reason must be a list of strings")


def _button(raw: Any, *, label: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise _Unusable(f"{label} must be an object, got {_kind(raw)}")
    button = {str(key).removeprefix(BUTTON_KEY_PREFIX): item for key, item in raw.items()}
    for name in ("type", "text", "url"):
        _optional_str(button, name, label=f"{label}.{BUTTON_KEY_PREFIX}{name}")
    if not button.get("type"):
        raise _Unusable(f"{label} has no {BUTTON_KEY_PREFIX}type")
    return button


def _warn_unknown(change: _Change, label: str, raw: str | None, known: frozenset[str]) -> None:
    if raw is not None and raw not in known:
        change.warn(f"unknown {label} {raw!r}")
