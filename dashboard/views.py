"""The /dashboard/ page and the sections its script reloads when a live message arrives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from campaigns.models import Campaign
from campaigns.services import set_fallbacks
from dashboard import selectors
from dashboard.selectors import FALLBACK_SLOTS
from live.selectors import last_live_message_id
from organizations.models import Organization
from organizations.permissions import can_administer
from pytake.exceptions import ApplicationError
from templates_app.badges import badge_vocabulary
from templates_app.guidance import template_guidance
from templates_app.models import WhatsAppTemplate
from templates_app.selectors import critical_templates
from templates_app.sending_path_health import sending_path_of

# The page lists this many critical templates; the admin's health list has them all.
CRITICAL_LIMIT = 50


def _templates(organization: Organization) -> dict[str, Any]:
    return {"templates": selectors.organization_templates(organization=organization)}


def _critical(organization: Organization) -> dict[str, Any]:
    critical = critical_templates(organization_id=organization.pk, limit=CRITICAL_LIMIT)
    return {"critical": critical.templates, "total_critical": critical.total}


def _sending_path(organization: Organization) -> dict[str, Any]:
    return {"sending_path": sending_path_of(organization_id=organization.pk)}


def _alerts(organization: Organization) -> dict[str, Any]:
    return {"alerts": selectors.unresolved_alerts(organization=organization)}


def _campaigns(organization: Organization) -> dict[str, Any]:
    return {
        "campaigns": selectors.paused_campaigns(organization=organization),
        "on_fallbacks": selectors.campaigns_on_fallbacks(organization=organization),
        "fallback_choices": selectors.campaigns_with_fallback_choices(organization=organization),
    }


# Each section of the page: what it shows, rendered by dashboard/sections/<name>.html.
SECTIONS: dict[str, Callable[[Organization], dict[str, Any]]] = {
    "sending_path": _sending_path,
    "critical": _critical,
    "templates": _templates,
    "alerts": _alerts,
    "campaigns": _campaigns,
}


def _organization(request: HttpRequest) -> Organization | None:
    return selectors.dashboard_organization(request.user, requested=request.GET.get("organization"))


def _common(request: HttpRequest, organization: Organization) -> dict[str, Any]:
    # Members read; acting is for organization admins (the API answers others 403).
    return {
        "organization": organization,
        "can_acknowledge": can_administer(request.user, organization.pk),
        "why_not": f"Only an admin of {organization.name} can do this.",
    }


@login_required
def index(request: HttpRequest) -> HttpResponse:
    organization = _organization(request)
    if organization is None:
        # A super admin without an organization of their own chooses one.
        if not request.user.is_superuser:
            raise Http404("No organization.")
        return render(
            request,
            "dashboard/choose_organization.html",
            {"organizations": Organization.objects.order_by("name")},
        )
    return _page(request, organization)


def _page(
    request: HttpRequest,
    organization: Organization,
    *,
    refusal: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        **_common(request, organization),
        "badges": badge_vocabulary(),
        # Read before the sections: a change made while the page loads is resumed, not lost.
        "last_message_id": last_live_message_id(organization.pk),
        "fallback_refusal": refusal,
    }
    for build in SECTIONS.values():
        context.update(build(organization))
    return render(request, "dashboard/index.html", context, status=status)


@login_required
def template_detail(request: HttpRequest, template_id: UUID) -> HttpResponse:
    """One template of the user's organization: its status, why, what to do, its campaigns and
    its open alerts (another organization's template is not found)."""
    organization = _organization(request)
    if organization is None:
        raise Http404("No organization.")
    template = selectors.organization_template(organization=organization, template_id=template_id)
    if template is None:
        raise Http404("No such template.")
    guidance = template_guidance(template)
    context = {
        **_common(request, organization),
        "template": template,
        "reason": guidance.why,
        "action_required": guidance.what_to_do,
        "campaigns": selectors.template_campaigns(template=template),
        "alerts": selectors.template_open_alerts(template=template),
    }
    return render(request, "dashboard/template_detail.html", context)


@login_required
@require_POST
def set_campaign_fallbacks(request: HttpRequest, campaign_id: UUID) -> HttpResponse:
    """Name a campaign's fallback templates, in order, through the service the API uses; a
    refusal is shown beside the campaign's form, in words, and changes nothing."""
    organization = _organization(request)
    if organization is None:
        raise Http404("No organization.")
    campaign = get_object_or_404(
        Campaign, pk=campaign_id, organization=organization, deleted_at__isnull=True
    )
    if not can_administer(request.user, organization.pk):
        return _refuse(
            request,
            organization,
            campaign,
            f"Only an admin of {organization.name} can name fallback templates.",
            status=403,
        )
    ids = [request.POST.get(f"fallback_{slot}", "") for slot in range(1, FALLBACK_SLOTS + 1)]
    try:
        chosen = [UUID(value) for value in ids if value]
    except ValueError:
        return _refuse(request, organization, campaign, "A fallback template was not understood.")
    templates = WhatsAppTemplate.objects.filter(organization=organization, pk__in=chosen).in_bulk()
    if len(templates) != len(set(chosen)):
        return _refuse(
            request,
            organization,
            campaign,
            f"A fallback template is not one of {organization.name}'s.",
        )
    try:
        set_fallbacks(
            campaign=campaign,
            templates=[templates[pk] for pk in chosen],
            switch_back=request.POST.get("switch_back") == "on",
            actor=request.user,
        )
    except ApplicationError as error:
        return _refuse(request, organization, campaign, error.message)
    messages.success(request, f"Fallback templates of {campaign.name} saved.")
    return redirect(
        f"{reverse('dashboard:index')}?organization={organization.pk}#campaigns", status=303
    )


def _refuse(
    request: HttpRequest,
    organization: Organization,
    campaign: Campaign,
    reason: str,
    *,
    status: int = 400,
) -> HttpResponse:
    return _page(
        request,
        organization,
        refusal={"campaign_id": campaign.pk, "reason": reason},
        status=status,
    )


@login_required
def section(request: HttpRequest, name: str) -> HttpResponse:
    organization = _organization(request)
    if name not in SECTIONS or organization is None:
        raise Http404("No such section.")
    context = {**_common(request, organization), **SECTIONS[name](organization)}
    return render(request, f"dashboard/sections/{name}.html", context)
