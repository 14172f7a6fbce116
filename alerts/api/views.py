from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from alerts import selectors
from alerts.api.filters import AlertFilter
from alerts.api.serializers import (
    AlertResolveSerializer,
    AlertSerializer,
    ChannelTestOutcomeSerializer,
    NotificationChannelSerializer,
    NotificationDeliverySerializer,
    TemplateAlertAcknowledgedSerializer,
)
from alerts.models import Alert, NotificationChannel, NotificationDelivery
from alerts.services import channels, lifecycle
from organizations.permissions import IsOrgAdmin, acting_organization
from pytake.api.exceptions import service_field_errors
from templates_app.models import WhatsAppTemplate
from templates_app.selectors import phone_numbers_for, template_list, templates_of_number

CONFLICT = OpenApiResponse(
    inline_serializer(
        "AlertConflict",
        fields={
            "detail": serializers.CharField(),
            "alert": serializers.UUIDField(),
            "status": serializers.CharField(),
        },
    ),
    description="The alert is already acknowledged or resolved.",
)


@extend_schema(tags=["alerts"])
class AlertListView(generics.ListAPIView):
    """The organization's alerts, newest first; any member reads them."""

    serializer_class = AlertSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = AlertFilter

    def get_queryset(self):
        return selectors.alerts_for(self.request.user)


class AlertActionView(APIView):
    """A person's action on one alert of their organization: org_admin or super_admin."""

    permission_classes = [IsOrgAdmin]

    def get_alert(self, pk: str) -> Alert:
        return get_object_or_404(selectors.alerts_for(self.request.user), pk=pk)


@extend_schema(tags=["alerts"])
class AlertAcknowledgeView(AlertActionView):
    @extend_schema(request=None, responses={200: AlertSerializer, 409: CONFLICT})
    def post(self, request: Request, pk: str) -> Response:
        """Acknowledge an open alert: seen, and being handled."""
        alert = lifecycle.acknowledge_alert(alert=self.get_alert(pk), actor=request.user)
        return Response(AlertSerializer(alert).data)


@extend_schema(tags=["alerts"])
class AlertResolveView(AlertActionView):
    @extend_schema(request=AlertResolveSerializer, responses={200: AlertSerializer, 409: CONFLICT})
    def post(self, request: Request, pk: str) -> Response:
        """Resolve an alert, with an optional reason kept in the audit trail."""
        alert = self.get_alert(pk)
        serializer = AlertResolveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        alert = lifecycle.resolve_alert(
            alert=alert, actor=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(AlertSerializer(alert).data)


@extend_schema(tags=["whatsapp"])
class TemplateAcknowledgeAlertView(APIView):
    permission_classes = [IsOrgAdmin]

    @extend_schema(
        request=None,
        responses={
            200: TemplateAlertAcknowledgedSerializer,
            404: OpenApiResponse(description="No such template, or it has no open alert."),
        },
    )
    def post(self, request: Request, template_id: str, number_id: str | None = None) -> Response:
        """Acknowledge every open alert of a template of this number's business account."""
        template = get_object_or_404(self.templates(number_id), pk=template_id)
        alerts = lifecycle.acknowledge_template_alerts(template=template, actor=request.user)
        if not alerts:
            return Response(
                {"detail": f"Template {template.name} ({template.language}) has no open alert."},
                status=status.HTTP_404_NOT_FOUND,
            )
        data = {
            "message": "Alert acknowledged",
            "template_id": template.pk,
            "acknowledged_at": alerts[0].acknowledged_at,
            "acknowledged_by": request.user.email,
        }
        return Response(TemplateAlertAcknowledgedSerializer(data).data)

    def templates(self, number_id: str | None) -> QuerySet[WhatsAppTemplate]:
        if number_id is None:
            return template_list(self.request.user)
        phone_number = get_object_or_404(phone_numbers_for(self.request.user), pk=number_id)
        return templates_of_number(self.request.user, phone_number=phone_number)


@extend_schema_view(
    post=extend_schema(
        operation_id="v1_whatsapp_organization_template_acknowledge_alert_create",
        description="Acknowledge every open alert of a template of the organization.",
    )
)
class OrganizationTemplateAcknowledgeAlertView(TemplateAcknowledgeAlertView):
    """The same action without a number: /whatsapp/templates/{template_id}/acknowledge-alert/."""


@extend_schema_view(
    get=extend_schema(
        summary="List notification channels",
        description="The organization's notification channels; URLs and secrets are never shown.",
    ),
    post=extend_schema(
        summary="Create a notification channel",
        description=(
            "An org admin adds an email, Slack or webhook channel; its URL and secret are write-"
            "only and stored encrypted."
        ),
    ),
)
@extend_schema(tags=["notifications"])
class ChannelListCreateView(generics.ListCreateAPIView):
    """The organization's notification channels; URLs and secrets are never shown."""

    serializer_class = NotificationChannelSerializer
    permission_classes = [IsOrgAdmin]

    def get_queryset(self):
        return selectors.channels_for(self.request.user)

    def perform_create(self, serializer: NotificationChannelSerializer) -> None:
        with service_field_errors():
            serializer.instance = channels.create_channel(
                organization=acting_organization(self.request.user), **serializer.validated_data
            )


@extend_schema_view(
    get=extend_schema(
        summary="Read a notification channel",
        description="One channel of the organization; its URL and secret are never shown.",
    ),
    patch=extend_schema(
        summary="Change a notification channel",
        description="Changes the fields given; a URL or secret given replaces the stored one.",
    ),
    delete=extend_schema(
        summary="Delete a notification channel",
        description="The channel stops receiving news; what it was sent stays in its history.",
    ),
)
@extend_schema(tags=["notifications"])
class ChannelDetailView(generics.RetrieveUpdateDestroyAPIView):
    serializer_class = NotificationChannelSerializer
    permission_classes = [IsOrgAdmin]
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.channels_for(self.request.user)

    def perform_update(self, serializer: NotificationChannelSerializer) -> None:
        with service_field_errors():
            serializer.instance = channels.update_channel(
                channel=serializer.instance, **serializer.validated_data
            )

    def perform_destroy(self, instance: NotificationChannel) -> None:
        channels.delete_channel(channel=instance)


@extend_schema(tags=["notifications"])
class ChannelTestView(APIView):
    permission_classes = [IsOrgAdmin]

    @extend_schema(
        request=None,
        responses={
            200: ChannelTestOutcomeSerializer,
            202: ChannelTestOutcomeSerializer,
        },
    )
    def post(self, request: Request, pk: str) -> Response:
        """Send a test message to the channel and say how it went (202 while it is queued)."""
        channel = get_object_or_404(selectors.channels_for(request.user), pk=pk)
        delivery = channels.send_test_notification(channel=channel)
        delivery.refresh_from_db()
        if delivery.status == NotificationDelivery.Status.SENT:
            detail, code = f"The test message reached {channel.name}.", status.HTTP_200_OK
        elif delivery.status in NotificationDelivery.DUE_STATUSES:
            detail, code = "The test message is queued.", status.HTTP_202_ACCEPTED
        else:
            detail = f"The test message did not reach {channel.name}: {delivery.last_error}"
            code = status.HTTP_200_OK
        data = {"detail": detail, "delivery": NotificationDeliverySerializer(delivery).data}
        return Response(data, status=code)
