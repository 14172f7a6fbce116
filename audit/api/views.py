from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import selectors
from audit.api.filters import AuditLogFilter
from audit.api.serializers import (
    AuditLogSerializer,
    StatusHistoryQuerySerializer,
    StatusHistorySerializer,
)
from organizations.permissions import IsOrgAdmin
from templates_app.selectors import phone_numbers_for, templates_of_number


@extend_schema(tags=["audit"])
class AuditLogListView(generics.ListAPIView):
    """The organization's audit trail, newest first."""

    serializer_class = AuditLogSerializer
    permission_classes = [IsOrgAdmin]
    filterset_class = AuditLogFilter

    def get_queryset(self):
        return selectors.audit_entries_for(self.request.user)


@extend_schema(tags=["whatsapp"])
class TemplateStatusHistoryView(APIView):
    """Meta's status and quality changes of one template of one number, newest first."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[StatusHistoryQuerySerializer],
        responses={
            200: StatusHistorySerializer,
            400: OpenApiResponse(
                description="limit outside 1 to 1000, or offset outside 0 to 1,000,000,000"
            ),
            404: OpenApiResponse(description="No such template on this organization's number"),
        },
    )
    def get(self, request: Request, number_id: str, template_id: str) -> Response:
        phone_number = get_object_or_404(phone_numbers_for(request.user), pk=number_id)
        template = get_object_or_404(
            templates_of_number(request.user, phone_number=phone_number), pk=template_id
        )
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
