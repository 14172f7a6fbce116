"""Badges and the guidance's "why" for templates, as the admin and the dashboard show them."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from templates_app.badges import Badge, quality_badge, status_badge
from templates_app.guidance import template_guidance
from templates_app.models import WhatsAppTemplate

register = template.Library()


def _render(badge: Badge, kind: str) -> SafeString:
    return format_html(
        '<span class="badge badge--{}" data-badge="{}">{}</span>', badge.tone, kind, badge.label
    )


@register.filter
def status_badge_html(status: str) -> SafeString:
    return _render(status_badge(status), "status")


@register.filter
def quality_badge_html(quality: str) -> SafeString:
    return _render(quality_badge(quality), "quality")


@register.filter
def template_reason(template: WhatsAppTemplate) -> str:
    return template_guidance(template).why
