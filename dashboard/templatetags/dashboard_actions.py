"""`{% act_button … %}`: a row's "What to do" as a button, the same way on every page.

Organization admins press it; anyone else sees it disabled, with the reason in words beside it
(not only a tooltip), and named by the row it acts on for screen readers.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def act_button(
    context: template.Context,
    action: str,
    label: str,
    *,
    data: str,
    value: Any,
    row: str,
    named_by: str,
) -> SafeString:
    """A button of class `action` carrying `data-<data>="<value>"` for the page's script. `row`
    and `named_by` are ids, `{}` standing for `value`: the row's (its reason is `<row>-why-not`)
    and that of the text naming what the button acts on."""
    row = row.format(value)
    named_by = named_by.format(value)
    if context.get("can_acknowledge"):
        return format_html(
            '<button type="button" class="{}" data-{}="{}" aria-describedby="{}">{}</button>',
            action,
            data,
            value,
            named_by,
            label,
        )
    refusal = f"{row}-why-not"
    return format_html(
        '<button type="button" class="{}" data-{}="{}" aria-describedby="{} {}" disabled>'
        '{}</button> <span class="reason" id="{}">{}</span>',
        action,
        data,
        value,
        named_by,
        refusal,
        label,
        refusal,
        context.get("why_not", ""),
    )
