"""The API's front door and error pages: JSON under /api/, Django's own pages elsewhere."""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

# `/api/v1/whatsapp/<Meta's phone_number_id>/...`: a newcomer's likely mistake, worth a hint.
META_NUMBER_IN_PATH = re.compile(r"^/api/v1/whatsapp/\d+/")
NUMBER_ID_HINT = (
    "Not found. {number_id} in these URLs is PyTake's id of the number (a UUID: "
    "GET /api/v1/whatsapp/numbers/ lists them), not Meta's phone_number_id."
)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _not_found_detail(request: HttpRequest) -> str:
    return NUMBER_ID_HINT if META_NUMBER_IN_PATH.match(request.path) else "Not found."


@csrf_exempt
def api_not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """Any unknown URL under /api/ answers JSON 404, whatever the method, with DEBUG on as well
    as off. CSRF guards real endpoints only: nothing here is changed by a forged request."""
    return JsonResponse({"detail": _not_found_detail(request)}, status=404)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return api_not_found(request)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)


# Every collection and report a client starts from, by the name the root lists it under.
TOP_LEVEL_ENDPOINTS = (
    ("auth_token", "auth-token"),
    ("auth_logout", "auth-logout"),
    ("auth_logout_all", "auth-logout-all"),
    ("organizations", "organization-list"),
    ("accounts", "business-account-list"),
    ("numbers", "phone-number-list"),
    ("templates", "organization-template-list"),
    ("critical", "critical-templates"),
    ("health", "organization-health"),
    ("quality_summary", "template-quality-summary"),
    ("campaigns", "campaign-list"),
    ("alerts", "alert-list"),
    ("audit", "audit-list"),
    ("notifications", "notification-channel-list"),
    ("webhook", "whatsapp-webhook"),
)


class ApiRootView(APIView):
    """Where to start: the documentation and the main collections, as links."""

    permission_classes = [AllowAny]

    @extend_schema(
        tags=["api"],
        responses=OpenApiResponse(
            inline_serializer(
                "ApiRoot",
                {
                    "detail": serializers.CharField(),
                    "docs": serializers.URLField(),
                    "schema": serializers.URLField(),
                    "endpoints": serializers.DictField(child=serializers.URLField()),
                },
            )
        ),
    )
    def get(self, request: Request) -> Response:
        def link(name: str) -> str:
            return reverse(name, request=request)

        return Response(
            {
                "detail": "PyTake template health API, version 1. Authenticate with a token "
                "(POST auth/token) or a session; the docs list every endpoint.",
                "docs": link("api-docs"),
                "schema": link("schema"),
                "endpoints": {name: link(url_name) for name, url_name in TOP_LEVEL_ENDPOINTS},
            }
        )
