"""Build Meta-shaped webhook bodies (for the simulation command and tests).

The bodies match what Meta POSTs: the WABA id in ``entry[].id``, the event time in
``entry[].time`` (left out when ``occurred_at`` is None) and template ids as JSON integers.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from typing import Any

from .events import Field
from .parser import BUTTON_KEY_PREFIX, WHATSAPP_OBJECT


def status_update_body(
    *,
    waba_id: str,
    event: str,
    template_id: str | int | None,
    name: str,
    language: str = "en_US",
    occurred_at: int | None = None,
    reason: str | None = "NONE",
    category: str | None = None,
    other_info: dict[str, Any] | None = None,
    disable_date: int | str | None = None,
    rejection_info: dict[str, Any] | None = None,
) -> dict[str, Any]:
    value: dict[str, Any] = {"event": event, **_template_keys(template_id, name, language)}
    value["reason"] = reason
    optional = {
        "message_template_category": category,
        "other_info": other_info,
        "disable_info": None if disable_date is None else {"disable_date": disable_date},
        "rejection_info": rejection_info,
    }
    value.update({key: item for key, item in optional.items() if item is not None})
    return _body(waba_id=waba_id, occurred_at=occurred_at, field=Field.STATUS, value=value)


def quality_update_body(
    *,
    waba_id: str,
    new_quality: str,
    previous_quality: str | None = "UNKNOWN",
    template_id: str | int | None,
    name: str,
    language: str = "en_US",
    occurred_at: int | None = None,
    field: str = Field.QUALITY,
) -> dict[str, Any]:
    """``field=Field.STATUS`` gives the older shape: the same value under the status field."""
    value: dict[str, Any] = {}
    if previous_quality is not None:
        value["previous_quality_score"] = previous_quality
    value["new_quality_score"] = new_quality
    value.update(_template_keys(template_id, name, language))
    return _body(waba_id=waba_id, occurred_at=occurred_at, field=field, value=value)


def category_update_body(
    *,
    waba_id: str,
    template_id: str | int | None,
    name: str,
    language: str = "en_US",
    new_category: str,
    previous_category: str | None = None,
    correct_category: str | None = None,
    category_change_at: int | None = None,
    occurred_at: int | None = None,
) -> dict[str, Any]:
    """A completed change (``previous_category``) or an announced one (``correct_category``)."""
    value = _template_keys(template_id, name, language)
    optional = {
        "previous_category": previous_category,
        "new_category": new_category,
        "correct_category": correct_category,
        "category_update_timestamp": category_change_at,
    }
    value.update({key: item for key, item in optional.items() if item is not None})
    return _body(waba_id=waba_id, occurred_at=occurred_at, field=Field.CATEGORY, value=value)


def correct_category_body(
    *,
    waba_id: str,
    template_id: str | int | None,
    name: str,
    language: str = "en_US",
    category: str | None,
    correct_category: str,
    occurred_at: int | None = None,
) -> dict[str, Any]:
    """Meta found that a template sent as ``category`` is really ``correct_category``."""
    value = _template_keys(template_id, name, language)
    if category is not None:
        value["category"] = category
    value["correct_category"] = correct_category
    return _body(
        waba_id=waba_id, occurred_at=occurred_at, field=Field.CORRECT_CATEGORY, value=value
    )


def components_update_body(
    *,
    waba_id: str,
    template_id: str | int | None,
    name: str,
    language: str = "en_US",
    title: str | None = None,
    body: str | None = None,
    footer: str | None = None,
    buttons: Iterable[Mapping[str, Any]] = (),
    occurred_at: int | None = None,
) -> dict[str, Any]:
    """``buttons`` as ``ComponentsUpdate.as_components()`` gives them: {"type", "text", "url"?}."""
    value = _template_keys(template_id, name, language)
    optional = {
        "message_template_title": title,
        "message_template_element": body,
        "message_template_footer": footer,
    }
    value.update({key: item for key, item in optional.items() if item is not None})
    meta_buttons = [
        {f"{BUTTON_KEY_PREFIX}{key}": item for key, item in button.items()} for button in buttons
    ]
    if meta_buttons:
        value["message_template_buttons"] = meta_buttons
    return _body(waba_id=waba_id, occurred_at=occurred_at, field=Field.COMPONENTS, value=value)


def combine(*bodies: Mapping[str, Any]) -> dict[str, Any]:
    """One batch body holding every entry of ``bodies``, in order."""
    return {
        "object": WHATSAPP_OBJECT,
        "entry": [copy.deepcopy(entry) for body in bodies for entry in body["entry"]],
    }


def encode(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body).encode("utf-8")


def _template_keys(template_id: str | int | None, name: str, language: str) -> dict[str, Any]:
    keys: dict[str, Any] = {}
    if template_id is not None:
        keys["message_template_id"] = _meta_template_id(template_id)
    keys["message_template_name"] = name
    keys["message_template_language"] = language
    return keys


def _meta_template_id(template_id: str | int) -> str | int:
    # Meta sends the id as a bare JSON number; other values pass through to build odd bodies.
    if isinstance(template_id, str) and template_id.isascii() and template_id.isdigit():
        return int(template_id)
    return template_id


def _body(
    *, waba_id: str, occurred_at: int | None, field: str, value: dict[str, Any]
) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": str(waba_id)}
    if occurred_at is not None:
        entry["time"] = occurred_at
    entry["changes"] = [{"field": str(field), "value": value}]
    return {"object": WHATSAPP_OBJECT, "entry": [entry]}
