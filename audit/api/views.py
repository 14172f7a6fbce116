from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import selectors
from audit.api.filters import AuditLogFilter
from audit.api.serializers import (
    AuditLogSerializer,
    QualitySummarySerializer,
    StatusHistoryQuerySerializer,
    StatusHistorySerializer,
)
from organizations.permissions import IsOrgAdmin
from pytake.api.schema import (
    NO_ORGANIZATION_NAMED,
    NOT_FOUND,
    NOT_ORG_ADMIN,
    UNAUTHENTICATED,
    field_errors,
)
from templates_app import selectors as template_selectors
from templates_app.api.serializers import ReportQuerySerializer
from templates_app.api.views import PhoneNumberMixin


@extend_schema(tags=["audit"])
class AuditLogListView(generics.ListAPIView):
    """The organization's audit trail, newest first."""

    serializer_class = AuditLogSerializer
    permission_classes = [IsOrgAdmin]
    filterset_class = AuditLogFilter

    def get_queryset(self):
        return selectors.audit_entries_for(self.request.user)


STATUS_HISTORY_EXAMPLE = {
    "template": {
        "id": "6f1c2b8e-4d0a-4c55-9a51-2f6d1e0b7c31",
        "name": "order_update",
        "current_status": "PAUSED",
        "current_quality": "RED",
    },
    "history": [
        {
            "timestamp": "2026-11-24T10:00:00Z",
            "event_type": "QUALITY_CHANGE",
            "previous_status": "PAUSED",
            "new_status": "PAUSED",
            "quality_score": "RED",
            "reason": "Quality fell from high (green) to low (red): high failure rate",
        },
        {
            "timestamp": "2026-11-24T09:00:00Z",
            "event_type": "PAUSED",
            "previous_status": "APPROVED",
            "new_status": "PAUSED",
            "quality_score": "GREEN",
            "reason": "Paused for low quality (first pause, 3 hours)",
        },
    ],
    "total": 2,
    "limit": 100,
    "offset": 0,
}


@extend_schema(tags=["whatsapp"])
class TemplateStatusHistoryView(PhoneNumberMixin, APIView):
    """Meta's status and quality changes of one template, newest first.

    Under a number, the template is one of the number's business account.
    """

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[StatusHistoryQuerySerializer],
        responses={
            200: OpenApiResponse(
                StatusHistorySerializer,
                description="Newest first, by Meta's time",
                examples=[OpenApiExample("A pause, then quality RED", STATUS_HISTORY_EXAMPLE)],
            ),
            400: field_errors(
                "limit outside 1 to 1000, or offset outside 0 to 1,000,000,000",
                {"limit": ["Ensure this value is less than or equal to 1000."]},
            ),
            401: UNAUTHENTICATED,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, template_id: str, number_id: str | None = None) -> Response:
        template = get_object_or_404(self.get_templates(), pk=template_id)
        query = StatusHistoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        limit, offset = query.validated_data["limit"], query.validated_data["offset"]
        entries = selectors.template_status_history(template=template)
        data = {
            "template": template,
            "history": [selectors.history_row(e) for e in entries[offset : offset + limit]],
            "total": entries.count(),
            "limit": limit,
            "offset": offset,
        }
        return Response(StatusHistorySerializer(data).data)


@extend_schema_view(
    get=extend_schema(operation_id="v1_whatsapp_organization_template_status_history_retrieve")
)
class OrganizationTemplateStatusHistoryView(TemplateStatusHistoryView):
    """Meta's status and quality changes of one template of the organization, newest first."""


QUALITY_SUMMARY_EXAMPLE = {
    "quality_summary": {
        "total_templates": 12,
        "approved": 7,
        "pending": 1,
        "rejected": 1,
        "disabled": 1,
        "paused": 1,
        "flagged": 1,
        "quality_distribution": {"GREEN": 6, "YELLOW": 3, "RED": 2, "UNKNOWN": 1},
        "avg_success_rate": 0.962,
        "avg_failure_rate": 0.038,
        "total_messages_sent": 52000,
        "total_messages_failed": 1450,
    },
    "recent_quality_changes": [
        {
            "template_id": "6f1c2b8e-4d0a-4c55-9a51-2f6d1e0b7c31",
            "name": "order_update",
            "language": "en_US",
            "previous": "YELLOW",
            "new": "RED",
            "timestamp": "2026-11-24T10:00:00Z",
        }
    ],
    "timestamp": "2026-11-25T10:00:00Z",
}


# Here, not in templates_app: the summary joins the templates' counts to the audit trail's
# quality changes, and only audit may read both (templates_app never imports audit).
@extend_schema(tags=["whatsapp"])
class QualitySummaryView(APIView):
    """The organization's templates by status and quality, and its latest quality changes."""

    permission_classes = [IsOrgAdmin]

    @extend_schema(
        parameters=[ReportQuerySerializer],
        responses={
            200: OpenApiResponse(
                QualitySummarySerializer,
                description="Deleted templates are not counted; `paused` counts status PAUSED.",
                examples=[
                    OpenApiExample("An organization of 12 templates", QUALITY_SUMMARY_EXAMPLE)
                ],
            ),
            400: NO_ORGANIZATION_NAMED,
            401: UNAUTHENTICATED,
            403: NOT_ORG_ADMIN,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request) -> Response:
        query = ReportQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        organization_id = query.validated_data["organization_id"]
        data = {
            "quality_summary": template_selectors.quality_summary(organization_id=organization_id),
            "recent_quality_changes": selectors.recent_quality_changes(
                organization_id=organization_id
            ),
            "timestamp": timezone.now(),
        }
        return Response(QualitySummarySerializer(data).data)
