"""Parse Meta's WhatsApp Business Account webhook bodies into typed template events.

Only whole-body problems raise (:class:`MetaPayloadError`). Anything wrong inside an entry or a
change becomes an :class:`IgnoredChange` with a reason, and the other changes still parse.

What each field's ``value`` holds is declared once, as a table of :class:`Spec` rows (where the
value is, how it is read, whether it is required, which codes are known), and read by one
generic function, :func:`_read`. Every string is bounded by :data:`~.limits.LIMITS`.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from django.conf import settings

from pytake import json_depth

from .events import (
    KNOWN_BUTTON_TYPES,
    KNOWN_CATEGORIES,
    KNOWN_OTHER_INFO_TITLES,
    KNOWN_REASONS,
    CategoryUpdate,
    ComponentsUpdate,
    CorrectCategoryDetection,
    Field,
    IgnoredChange,
    QualityScore,
    QualityUpdate,
    StatusEvent,
    StatusUpdate,
    TemplateEvent,
    TemplateRef,
)
from .limits import INT64_MAX, LIMITS

WHATSAPP_OBJECT = "whatsapp_business_account"
# The sending path's six fields (templates_app.meta.sending_path) are handled too.
HANDLED_FIELDS = frozenset(field.value for field in Field) | frozenset(
    {
        "phone_number_quality_update",
        "account_update",
        "account_alerts",
        "account_review_update",
        "business_capability_update",
        "phone_number_name_update",
    }
)
QUALITY_CHANGE_EVENT = "QUALITY_CHANGE"
BUTTON_KEY_PREFIX = "message_template_button_"
BUTTONS_KEY = "message_template_buttons"


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

    @property
    def only_unhandled_fields(self) -> bool:
        """Every change is of a field this service does not handle (`messages`, ...).

        Meta sends every subscribed field to the same URL; such deliveries touch no template.
        """
        return bool(self.events) and all(
            isinstance(event, IgnoredChange)
            and event.field is not None
            and event.field not in HANDLED_FIELDS
            for event in self.events
        )


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
    """Decode the raw request body; integers stay exact, NaN and Infinity are refused, and so
    is nesting deeper than JSON_MAX_DEPTH."""
    try:
        payload = json_depth.loads(
            body.decode("utf-8"), parse_constant=_reject_constant, parse_float=_finite_float
        )
    except json_depth.JSONTooDeepError as exc:
        raise MetaPayloadError(f"Request body: {exc}") from exc
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
            f"Unsupported object {_shown(payload['object'])}; expected {WHATSAPP_OBJECT!r}."
        )
    entries = payload.get("entry")
    if entries is None:
        raise MetaPayloadError("Payload has no 'entry' list.")
    if not isinstance(entries, list):
        raise MetaPayloadError(f"Payload 'entry' must be a list, got {_kind(entries)}.")
    _check_counts(entries)

    events: list[TemplateEvent | IgnoredChange] = []
    for index, entry in enumerate(entries):
        events.extend(_parse_entry(entry, position=f"entry[{index}]"))
    return ParsedDelivery(events=tuple(events))


def _check_counts(entries: list[Any]) -> None:
    """Refuse more entries or changes than Meta sends (at most 1,000 changes a delivery), before
    any is read: each would become an event, an outcome and a row of the attempt's history."""
    max_entries = settings.WHATSAPP_WEBHOOK_MAX_ENTRIES
    if len(entries) > max_entries:
        raise MetaPayloadError(
            f"Payload has {len(entries)} entries; at most {max_entries} are accepted."
        )
    max_changes = settings.WHATSAPP_WEBHOOK_MAX_CHANGES
    # An entry without a list of changes still counts as one: it becomes one ignored change.
    changes = sum(
        len(entry["changes"])
        if isinstance(entry, Mapping) and isinstance(entry.get("changes"), list)
        else 1
        for entry in entries
    )
    if changes > max_changes:
        raise MetaPayloadError(
            f"Payload has {changes} changes; at most {max_changes} are accepted."
        )


def parse_delivery_body(body: bytes) -> ParsedDelivery:
    """``parse_payload(parse_body(body))``."""
    return parse_payload(parse_body(body))


# --- reading one value ------------------------------------------------------------------------

# Reads one raw JSON value (never None) found at `label`; returns what the event holds or raises
# _Unusable with the reason. Notes about what was kept without being understood go to `warnings`.
Reader = Callable[[Any, str, list[str]], Any]


@dataclass(frozen=True, slots=True)
class Spec:
    """One value of a change: the event attribute it fills and where Meta puts it.

    ``path`` is a dotted key path in the change's ``value`` ("other_info.title"); a missing or
    null value leaves the attribute at its default, or makes the change unusable if
    ``required``. A value outside a non-empty ``known`` is kept, with the warning
    "unknown <name> <value>".
    """

    attr: str
    path: str
    read: Reader
    required: bool = False
    known: frozenset[str] = frozenset()
    name: str = ""


def _read(value: Mapping[str, Any], specs: Sequence[Spec], warnings: list[str]) -> dict[str, Any]:
    """The one validator: each spec's value, read and checked, keyed by the event attribute."""
    fields: dict[str, Any] = {}
    for spec in specs:
        raw = _lookup(value, spec.path)
        if raw is None:
            if spec.required:
                raise _Unusable(f"missing required key {spec.path!r}")
            continue
        item = spec.read(raw, spec.path, warnings)
        if spec.known and item not in spec.known:
            warnings.append(f"unknown {spec.name or spec.path} {_shown(item)}")
        fields[spec.attr] = item
    return fields


def _lookup(value: Mapping[str, Any], path: str) -> Any:
    *parents, key = path.split(".")
    mapping = value
    for depth, parent in enumerate(parents):
        mapping = mapping.get(parent)
        if mapping is None:
            return None
        if not isinstance(mapping, Mapping):
            label = ".".join(parents[: depth + 1])
            raise _Unusable(f"{label} must be an object, got {_kind(mapping)}")
    return mapping.get(key)


# Codes and names: no control character at all. Long texts: \t, \n and \r allowed. Neither may
# hold an unpaired surrogate, which has no UTF-8 form.
_LINE_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_TEXT_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _checked_text(
    raw: Any, label: str, *, limit: str, multiline: bool = False, upper: bool = False
) -> str:
    if not isinstance(raw, str):
        raise _Unusable(f"{label} must be a string, got {_kind(raw)}")
    maximum = LIMITS[limit]
    if len(raw) > maximum:
        raise _Unusable(f"{label} longer than {maximum} characters")
    forbidden = (_TEXT_FORBIDDEN if multiline else _LINE_FORBIDDEN).search(raw)
    if forbidden is not None:
        character = forbidden.group()
        what = "unpaired surrogate" if "\ud800" <= character <= "\udfff" else "control character"
        raise _Unusable(f"{label} contains {what} U+{ord(character):04X}")
    if upper:
        # Meta's codes come in any letter case; stored upper-cased ("locked" is LOCKED).
        raw = raw.upper()
        if len(raw) > maximum:  # a few letters grow when upper-cased ("ß" is "SS")
            raise _Unusable(f"{label} longer than {maximum} characters")
    return raw


def text(limit: str, *, non_empty: bool = False) -> Reader:
    """A single-line string of at most ``LIMITS[limit]`` characters, kept as sent."""

    def read(raw: Any, label: str, warnings: list[str]) -> str:
        checked = _checked_text(raw, label, limit=limit)
        if non_empty and not checked.strip():
            raise _Unusable(f"{label} must not be empty")
        return checked

    return read


def long_text(raw: Any, label: str, warnings: list[str]) -> str:
    """A text that may span lines (a description, a template body)."""
    return _checked_text(raw, label, limit="text", multiline=True)


def code(limit: str) -> Reader:
    """One of Meta's codes (reason, category, title), upper-cased."""

    def read(raw: Any, label: str, warnings: list[str]) -> str:
        return _checked_text(raw, label, limit=limit, upper=True)

    return read


def member(enum: type[StrEnum], *, name: str, limit: str) -> Reader:
    """A code that must be one of ``enum``'s members, in any letter case."""

    def read(raw: Any, label: str, warnings: list[str]) -> StrEnum:
        checked = _checked_text(raw, label, limit=limit, upper=True)
        try:
            return enum(checked)
        except ValueError:
            raise _Unusable(f"unknown {name} {_shown(raw)}") from None

    return read


def codes(limit: str) -> Reader:
    """One code or a list of codes, upper-cased, as a tuple."""
    read_one = code(limit)

    def read(raw: Any, label: str, warnings: list[str]) -> tuple[str, ...]:
        items = [raw] if isinstance(raw, str) else raw
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise _Unusable(f"{label} must be a list of strings")
        return tuple(read_one(item, label, warnings) for item in items)

    return read


def template_id(raw: Any, label: str, warnings: list[str]) -> str:
    """An int64 id, as a JSON number or a numeric string; kept as an exact decimal string."""
    if _is_int(raw):
        if raw < 0:
            raise _Unusable(f"{label} must not be negative, got {_shown(raw)}")
        digits = str(raw)
    elif _is_digits(raw):
        digits = raw.lstrip("0") or "0"
    else:
        raise _Unusable(f"{label} must be an integer or a numeric string, got {_kind(raw)}")
    if len(digits) > LIMITS["template_id"]:
        raise _Unusable(f"{label} longer than {LIMITS['template_id']} digits")
    if int(digits) > INT64_MAX:
        raise _Unusable(f"{label} greater than {INT64_MAX}")
    return digits


def unix_time(raw: Any, label: str, warnings: list[str]) -> datetime:
    """Unix seconds, as a JSON integer or a numeric string; a timezone-aware UTC datetime."""
    if not (_is_int(raw) or _is_digits(raw)):
        raise _Unusable(f"{label} must be an integer or a numeric string, got {_kind(raw)}")
    try:
        return datetime.fromtimestamp(int(raw), tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise _Unusable(f"{label} {_shown(raw, quote=False)} is out of range") from exc


def waba_id(raw: Any, label: str, warnings: list[str]) -> str:
    """A business account id: an integer or a non-empty string, as a string."""
    if _is_int(raw):
        raw = str(raw)
    if not isinstance(raw, str) or not raw.strip():
        raise _Unusable(f"{label} must be a non-empty string or an integer, got {_kind(raw)}")
    return _checked_text(raw.strip(), label, limit="waba_id")


def buttons(raw: Any, label: str, warnings: list[str]) -> tuple[Mapping[str, Any], ...]:
    """The buttons Meta sends, prefix cut; one it does not describe well is dropped with a note."""
    if not isinstance(raw, list):
        raise _Unusable(f"{label} must be a list, got {_kind(raw)}")
    kept = []
    for index, item in enumerate(raw):
        try:
            kept.append(_button(item, label=f"{label}[{index}]"))
        except _Unusable as exc:
            warnings.append(f"{exc}; button dropped")
    return tuple(kept)


def _button(raw: Any, *, label: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise _Unusable(f"{label} must be an object, got {_kind(raw)}")
    button: dict[str, Any] = {}
    for meta_key, item in raw.items():
        key = _checked_text(meta_key, f"{label} key", limit="button_key").removeprefix(
            BUTTON_KEY_PREFIX
        )
        where = f"{label}.{BUTTON_KEY_PREFIX}{key}"
        if isinstance(item, str):
            item = _checked_text(item, where, limit="button_value")
        elif not (item is None or isinstance(item, bool | int | float)):
            raise _Unusable(f"{where} must be a string, a number or a boolean, got {_kind(item)}")
        button[key] = item
    if button.get("type") is None:
        raise _Unusable(f"{label} has no {BUTTON_KEY_PREFIX}type")
    button["type"] = _checked_text(
        button["type"], f"{label}.{BUTTON_KEY_PREFIX}type", limit="button_key", upper=True
    )
    if button["type"] not in KNOWN_BUTTON_TYPES:
        raise _Unusable(f"{label} has unknown type {_shown(button['type'])}")
    return button


# --- what each field holds --------------------------------------------------------------------

TEMPLATE_SPECS = (
    Spec("meta_template_id", "message_template_id", template_id),
    Spec("name", "message_template_name", text("name", non_empty=True)),
    Spec("language", "message_template_language", text("language", non_empty=True)),
)

_EVENT = Spec("event", "event", member(StatusEvent, name="event", limit="event"), required=True)
_CATEGORY = code("category")

STATUS_SPECS = (
    _EVENT,
    Spec("reason", "reason", code("reason"), known=KNOWN_REASONS),
    Spec(
        "category",
        "message_template_category",
        _CATEGORY,
        known=KNOWN_CATEGORIES,
        name="category",
    ),
    Spec(
        "other_info_title",
        "other_info.title",
        code("other_info_title"),
        known=KNOWN_OTHER_INFO_TITLES,
    ),
    Spec("other_info_description", "other_info.description", long_text),
    Spec("disable_date", "disable_info.disable_date", unix_time),
    Spec("rejection_reason", "rejection_info.reason", long_text),
    Spec("rejection_recommendation", "rejection_info.recommendation", long_text),
)


def _quality_specs(new_quality_key: str) -> tuple[Spec, ...]:
    score = member(QualityScore, name="quality", limit="quality")
    return (
        Spec("new_quality", new_quality_key, score, required=True),
        Spec("previous_quality", "previous_quality_score", score),
        Spec("reasons", "quality_score_reason", codes("quality_reason")),
    )


# Meta's shape: field message_template_quality_update (or, in its older reference,
# message_template_status_update without an event).
QUALITY_SPECS = _quality_specs("new_quality_score")
# The product specification's shape: a status update whose event is QUALITY_CHANGE.
SEED_QUALITY_SPECS = _quality_specs("quality_score")

CATEGORY_SPECS = (
    Spec("previous_category", "previous_category", _CATEGORY, known=KNOWN_CATEGORIES),
    Spec("new_category", "new_category", _CATEGORY, known=KNOWN_CATEGORIES),
    # In an announced change: the category that takes over at category_update_timestamp.
    Spec("correct_category", "correct_category", _CATEGORY, known=KNOWN_CATEGORIES),
    Spec("category_change_at", "category_update_timestamp", unix_time),
)

CORRECT_CATEGORY_SPECS = (
    Spec("category", "category", _CATEGORY, known=KNOWN_CATEGORIES),
    Spec("correct_category", "correct_category", _CATEGORY, required=True, known=KNOWN_CATEGORIES),
)

COMPONENTS_SPECS = (
    Spec("title", "message_template_title", long_text),
    Spec("body", "message_template_element", long_text),
    Spec("footer", "message_template_footer", long_text),
    Spec("buttons", BUTTONS_KEY, buttons),
)


def _check_category_update(fields: Mapping[str, Any], warnings: list[str]) -> None:
    if fields.get("new_category") is None and fields.get("correct_category") is None:
        raise _Unusable("template_category_update has neither new_category nor correct_category")
    if fields.get("correct_category") is not None and fields.get("category_change_at") is None:
        warnings.append("announced category change has no category_update_timestamp")


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of change: the event it becomes and the values it holds."""

    event_class: type[TemplateEvent]
    specs: tuple[Spec, ...]
    check: Callable[[Mapping[str, Any], list[str]], None] | None = None


STATUS = Kind(StatusUpdate, STATUS_SPECS)
QUALITY = Kind(QualityUpdate, QUALITY_SPECS)
SEED_QUALITY = Kind(QualityUpdate, SEED_QUALITY_SPECS)
CATEGORY = Kind(CategoryUpdate, CATEGORY_SPECS, check=_check_category_update)
CORRECT_CATEGORY = Kind(CorrectCategoryDetection, CORRECT_CATEGORY_SPECS)
COMPONENTS = Kind(ComponentsUpdate, COMPONENTS_SPECS)


def _status_field_kind(value: Mapping[str, Any]) -> Kind:
    # One field, three shapes: a status event, the seed's QUALITY_CHANGE event, and Meta's older
    # quality update (new_quality_score and no event at all).
    event = value.get("event")
    if event is None and value.get("new_quality_score") is not None:
        return QUALITY
    if isinstance(event, str) and event.upper() == QUALITY_CHANGE_EVENT:
        return SEED_QUALITY
    return STATUS


KIND_OF_FIELD: Mapping[str, Callable[[Mapping[str, Any]], Kind]] = {
    Field.STATUS: _status_field_kind,
    Field.QUALITY: lambda value: QUALITY,
    Field.CATEGORY: lambda value: CATEGORY,
    Field.COMPONENTS: lambda value: COMPONENTS,
    Field.CORRECT_CATEGORY: lambda value: CORRECT_CATEGORY,
}


# --- entries and changes ----------------------------------------------------------------------


def _parse_entry(entry: Any, *, position: str) -> list[TemplateEvent | IgnoredChange]:
    if not isinstance(entry, Mapping):
        reason = f"entry must be an object, got {_kind(entry)}"
        return [
            IgnoredChange(position=position, field=None, waba_id=None, reason=reason, raw=entry)
        ]

    entry_waba_id, entry_waba_problem = _entry_waba_id(entry)
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
            entry_waba_problem=entry_waba_problem,
            occurred_at=occurred_at,
            entry_warnings=entry_warnings,
        )
        for index, change in enumerate(changes)
    ]


def _entry_waba_id(entry: Mapping[str, Any]) -> tuple[str | None, str]:
    """The WABA id of ``entry.id``, or None and the reason a change that needs it is refused."""
    raw = entry.get("id")
    try:
        return waba_id(raw, "entry.id", []), ""
    except _Unusable as exc:
        if _is_int(raw) or (isinstance(raw, str) and raw.strip()):
            return None, str(exc)  # an id, but too long or holding a control character
        return None, _NO_WABA_ID


_NO_WABA_ID = "missing WABA id: no value.waba_id and no usable entry.id"


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
        warnings.append(f"entry.time {_shown(raw, quote=False)} is out of range; time ignored")
        return None


def _parse_change(
    change: Any,
    *,
    position: str,
    entry_waba_id: str | None,
    entry_waba_problem: str,
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
    value_waba_id = None
    if isinstance(value, Mapping) and value.get("waba_id") is not None:
        with contextlib.suppress(_Unusable):  # the change is refused below, with the reason
            value_waba_id = waba_id(value["waba_id"], "waba_id", [])

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
    from .sending_path import path_field_of, read_path_change  # it reads with this module

    path_field = path_field_of(field_name, value)
    if path_field is not None:
        if not isinstance(value, Mapping):
            return ignored(f"change value must be an object, got {_kind(value)}", path_field)
        warnings = list(entry_warnings)
        try:
            waba = _change_waba_id(value, entry_waba_id, entry_waba_problem)
            return read_path_change(
                path_field,
                value,
                waba=waba,
                occurred_at=occurred_at,
                position=position,
                warnings=warnings,
            )
        except _Unusable as exc:
            return ignored(str(exc), path_field)
    kind_of = KIND_OF_FIELD.get(field_name)
    if kind_of is None:
        try:
            shown = _checked_text(field_name, "change field", limit="field")
        except _Unusable as exc:
            return ignored(str(exc))
        return ignored(f"field {shown!r} is not handled", shown)
    if not isinstance(value, Mapping):
        return ignored(f"change value must be an object, got {_kind(value)}", field_name)

    warnings = list(entry_warnings)
    try:
        waba = _change_waba_id(value, entry_waba_id, entry_waba_problem)
        kind = kind_of(value)
        fields = _read(value, kind.specs, warnings)
        if kind.check is not None:
            kind.check(fields, warnings)
        template = TemplateRef(**_read(value, TEMPLATE_SPECS, warnings))
    except _Unusable as exc:
        return ignored(str(exc), field_name)
    if template.meta_template_id is None and template.name is None:
        return ignored("message_template_id or message_template_name is required", field_name)
    return kind.event_class(
        waba_id=waba,
        template=template,
        occurred_at=occurred_at,
        position=position,
        raw=value,
        warnings=tuple(warnings),
        **fields,
    )


def _change_waba_id(
    value: Mapping[str, Any], entry_waba_id: str | None, entry_waba_problem: str
) -> str:
    # The seed shape carries the WABA in value.waba_id and something else in entry.id.
    if value.get("waba_id") is not None:
        return waba_id(value["waba_id"], "waba_id", [])
    if entry_waba_id is None:
        raise _Unusable(entry_waba_problem)
    return entry_waba_id


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

_SHOWN_MAX = 80


def _shown(raw: Any, *, quote: bool = True) -> str:
    """``raw`` as a reason may quote it: escaped, and cut short."""
    shown = repr(raw) if quote else str(raw)
    return shown if len(shown) <= _SHOWN_MAX else shown[: _SHOWN_MAX - 3] + "..."


def _is_int(raw: Any) -> bool:
    return isinstance(raw, int) and not isinstance(raw, bool)


def _is_digits(raw: Any) -> bool:
    return isinstance(raw, str) and raw.isascii() and raw.isdigit()
