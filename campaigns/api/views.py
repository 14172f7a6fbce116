from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns import selectors, services
from campaigns.api.filters import CampaignFilter
from campaigns.api.serializers import (
    CampaignCreateSerializer,
    CampaignDetailSerializer,
    CampaignFallbacksSerializer,
    CampaignPauseSerializer,
    CampaignSerializer,
    CampaignSwitchSerializer,
)
from campaigns.models import Campaign
from organizations.permissions import IsOrgAdmin, IsOrgAdminOrReadOnly
from templates_app.selectors import templates_for

CONFLICT = OpenApiResponse(
    inline_serializer(
        "CampaignConflict",
        fields={
            "detail": serializers.CharField(),
            "template": serializers.UUIDField(required=False),
            "template_name": serializers.CharField(required=False),
            "template_language": serializers.CharField(required=False),
            "template_status": serializers.CharField(required=False),
        },
    ),
    description="The campaign's state (or its blocked template) forbids it.",
)


@extend_schema_view(
    get=extend_schema(
        summary="List campaigns",
        description=(
            "The organization's campaigns, with filters by status, template and whether they can "
            "resume."
        ),
    ),
    post=extend_schema(
        summary="Create a campaign",
        description="An org admin creates a campaign on one of the organization's templates.",
    ),
)
@extend_schema(tags=["campaigns"])
class CampaignListCreateView(generics.ListAPIView):
    serializer_class = CampaignSerializer
    permission_classes = [IsOrgAdminOrReadOnly]
    filterset_class = CampaignFilter

    def get_queryset(self):
        return selectors.campaigns_for(self.request.user)

    @extend_schema(request=CampaignCreateSerializer, responses={201: CampaignSerializer})
    def post(self, request: Request, *args, **kwargs) -> Response:
        serializer = CampaignCreateSerializer(
            data=request.data, templates=templates_for(request.user)
        )
        serializer.is_valid(raise_exception=True)
        campaign = services.create_campaign(**serializer.validated_data)
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        summary="Read a campaign",
        description=(
            "One campaign of the organization, with its template and why it is paused, if it is."
        ),
    ),
)
@extend_schema(tags=["campaigns"])
class CampaignDetailView(generics.RetrieveAPIView):
    serializer_class = CampaignDetailSerializer
    permission_classes = [IsOrgAdminOrReadOnly]

    def get_queryset(self):
        return selectors.campaigns_for(self.request.user)


class CampaignActionView(APIView):
    """A write on one campaign of the caller's organization, by its admin or a super admin."""

    permission_classes = [IsOrgAdmin]

    def get_campaign(self, pk: str) -> Campaign:
        return get_object_or_404(selectors.campaigns_for(self.request.user), pk=pk)


@extend_schema(tags=["campaigns"])
class CampaignPauseView(CampaignActionView):
    @extend_schema(
        request=CampaignPauseSerializer, responses={200: CampaignSerializer, 409: CONFLICT}
    )
    def post(self, request: Request, pk: str) -> Response:
        """Pause the campaign; Meta's events will not resume it."""
        campaign = self.get_campaign(pk)
        serializer = CampaignPauseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        campaign = services.pause_campaign(
            campaign, actor=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(CampaignSerializer(campaign).data)


@extend_schema(tags=["campaigns"])
class CampaignResumeView(CampaignActionView):
    @extend_schema(request=None, responses={200: CampaignSerializer, 409: CONFLICT})
    def post(self, request: Request, pk: str) -> Response:
        """Resume a paused campaign as it was; refused (409) while its template is blocked."""
        campaign = services.resume_campaign(self.get_campaign(pk), actor=request.user)
        return Response(CampaignSerializer(campaign).data)


@extend_schema(tags=["campaigns"])
class CampaignFallbacksView(CampaignActionView):
    @extend_schema(
        request=CampaignFallbacksSerializer,
        responses={
            200: CampaignDetailSerializer,
            400: OpenApiResponse(
                description="A fallback that cannot stand in: `detail` names the part that "
                "differs (organization, business account, language, category, body "
                "parameters, header format, buttons), `fallback_templates` lists each."
            ),
        },
    )
    def put(self, request: Request, pk: str) -> Response:
        """Name the campaign's fallback templates, in order, and whether it switches back."""
        campaign = self.get_campaign(pk)
        serializer = CampaignFallbacksSerializer(
            data=request.data, templates=templates_for(request.user)
        )
        serializer.is_valid(raise_exception=True)
        campaign = services.set_fallbacks(
            campaign=campaign,
            templates=serializer.validated_data["templates"],
            switch_back=serializer.validated_data["switch_back"],
            actor=request.user,
        )
        return Response(CampaignDetailSerializer(campaign).data)


@extend_schema(tags=["campaigns"])
class CampaignSwitchView(CampaignActionView):
    @extend_schema(
        request=CampaignSwitchSerializer,
        responses={200: CampaignDetailSerializer, 400: CONFLICT, 409: CONFLICT},
    )
    def post(self, request: Request, pk: str) -> Response:
        """Move the campaign by hand to one of its fallbacks, or back to its own template."""
        campaign = self.get_campaign(pk)
        serializer = CampaignSwitchSerializer(
            data=request.data, templates=templates_for(request.user)
        )
        serializer.is_valid(raise_exception=True)
        campaign = services.switch_campaign_template(
            campaign, template=serializer.validated_data["template"], actor=request.user
        )
        return Response(CampaignDetailSerializer(campaign).data)
