"""Where a template, campaign or alert on the dashboard links to: the admin's page for staff who
may view it there, else the dashboard's own page of the template."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from alerts.models import Alert
from campaigns.models import Campaign
from templates_app.models import WhatsAppTemplate

register = template.Library()


def _admin_url(user: Any, model: type, pk: Any) -> str | None:
    """The admin's change page of the object, if `user` may open it (staff with view rights)."""
    meta = model._meta
    if not (user.is_active and user.is_staff):
        return None
    if not user.has_perm(f"{meta.app_label}.view_{meta.model_name}"):
        return None
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[pk])


def _template_page(template_id: Any) -> str:
    return reverse("dashboard:template", args=[template_id])


@register.simple_tag(takes_context=True)
def template_url(context: template.Context, template_id: Any) -> str:
    """The page of a template (a model or a critical row: anything with an id)."""
    return _admin_url(context["user"], WhatsAppTemplate, template_id) or _template_page(template_id)


@register.simple_tag(takes_context=True)
def campaign_url(context: template.Context, campaign: Campaign) -> str:
    """The admin's campaign page, or the campaign on its template's dashboard page."""
    admin_url = _admin_url(context["user"], Campaign, campaign.pk)
    if admin_url:
        return admin_url
    return f"{_template_page(campaign.template_id)}#campaign-{campaign.pk}"


@register.simple_tag(takes_context=True)
def alert_url(context: template.Context, alert: Alert) -> str:
    """The admin's alert page, or the alert on its template's dashboard page (an account's or a
    number's alert: on the dashboard itself, beside the sending path)."""
    admin_url = _admin_url(context["user"], Alert, alert.pk)
    if admin_url:
        return admin_url
    if alert.template_id is None:
        return f"{reverse('dashboard:index')}#alert-{alert.pk}"
    return f"{_template_page(alert.template_id)}#alert-{alert.pk}"


# Stands for an object's id in the URL patterns the page's script fills in for live news.
PLACEHOLDER = "00000000-0000-0000-0000-000000000000"


@register.simple_tag
def link_placeholder() -> str:
    return PLACEHOLDER


@register.simple_tag(takes_context=True)
def alert_url_pattern(context: template.Context) -> str:
    """The admin's alert page with PLACEHOLDER for its id, or "" for people who cannot open it."""
    return _admin_url(context["user"], Alert, PLACEHOLDER) or ""
