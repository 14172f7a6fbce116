"""The /dashboard/ page and the sections its script reloads when a live message arrives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from dashboard import selectors
from live.selectors import last_live_message_id
from organizations.models import Organization
from organizations.permissions import can_administer
from templates_app.badges import badge_vocabulary
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
    # Members read; acknowledging is for organization admins (the API answers others 403).
    return {
        "organization": organization,
        "can_acknowledge": can_administer(request.user, organization.pk),
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
    context: dict[str, Any] = {
        **_common(request, organization),
        "badges": badge_vocabulary(),
        # Read before the sections: a change made while the page loads is resumed, not lost.
        "last_message_id": last_live_message_id(organization.pk),
    }
    for build in SECTIONS.values():
        context.update(build(organization))
    return render(request, "dashboard/index.html", context)


@login_required
def section(request: HttpRequest, name: str) -> HttpResponse:
    organization = _organization(request)
    if name not in SECTIONS or organization is None:
        raise Http404("No such section.")
    context = {**_common(request, organization), **SECTIONS[name](organization)}
    return render(request, f"dashboard/sections/{name}.html", context)
