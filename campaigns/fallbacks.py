"""Which template may stand in for a campaign's own: the rules, computed from stored components.

A fallback must be of the same organization and business account, language and category, and
take what the campaign fills in: the same number of body parameters, the same header format,
the same buttons. Pure functions; `incompatibility` names the first part that differs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from templates_app.models import WhatsAppTemplate

# Meta's placeholders: positional {{1}} or named {{first_name}}.
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


@dataclass(frozen=True)
class FilledIn:
    """What a campaign fills in when it sends a template."""

    body_parameters: int
    header_format: str
    buttons: tuple[str, ...]


def _parameters(text: Any) -> int:
    return len(set(_PLACEHOLDER.findall(text))) if isinstance(text, str) else 0


def filled_in(components: Any) -> FilledIn:
    """From the stored components: Meta's list (`[{"type": "BODY", …}]`) or the webhook's dict
    (`{"title", "body", "footer", "buttons"}`)."""
    if isinstance(components, list):
        by_type = {str(c.get("type", "")).upper(): c for c in components if isinstance(c, dict)}
        header = by_type.get("HEADER")
        buttons = by_type.get("BUTTONS", {}).get("buttons", [])
        return FilledIn(
            body_parameters=_parameters(by_type.get("BODY", {}).get("text")),
            header_format=str(header.get("format", "TEXT")).upper() if header else "NONE",
            buttons=tuple(str(b.get("type", "")).upper() for b in buttons if isinstance(b, dict)),
        )
    components = components if isinstance(components, dict) else {}
    buttons = components.get("buttons") or []
    return FilledIn(
        body_parameters=_parameters(components.get("body")),
        header_format="TEXT" if components.get("title") else "NONE",
        buttons=tuple(str(b.get("type", "")).upper() for b in buttons if isinstance(b, dict)),
    )


def incompatibility(template: WhatsAppTemplate, fallback: WhatsAppTemplate) -> str:
    """Why `fallback` cannot stand in for `template`, in a sentence; "" when it can."""
    name = f"{fallback.name} ({fallback.language})"
    if fallback.pk == template.pk:
        return f"{name} is the campaign's own template: it cannot be its own fallback."
    if fallback.organization_id != template.organization_id:
        return f"{name} belongs to another organization."
    if fallback.business_account_id != template.business_account_id:
        return f"{name} belongs to another business account than {template.name}."
    if fallback.deleted_at is not None:
        return f"{name} is deleted."
    if fallback.language.lower() != template.language.lower():
        return f"{name} is in another language: {fallback.language}, not {template.language}."
    if fallback.category.upper() != template.category.upper():
        return (
            f"{name} is of another category: {fallback.category or 'none'}, not "
            f"{template.category or 'none'}."
        )
    ours, theirs = filled_in(template.components), filled_in(fallback.components)
    if ours.body_parameters != theirs.body_parameters:
        return (
            f"{name} takes {theirs.body_parameters} body parameter(s); {template.name} takes "
            f"{ours.body_parameters}."
        )
    if ours.header_format != theirs.header_format:
        return (
            f"{name} has another header format: {theirs.header_format}, not {ours.header_format}."
        )
    if ours.buttons != theirs.buttons:
        return (
            f"{name} has other buttons: {', '.join(theirs.buttons) or 'none'}, not "
            f"{', '.join(ours.buttons) or 'none'}."
        )
    return ""
