from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from campaigns import selectors, services
from campaigns.api.serializers import CampaignCreateSerializer, CampaignSerializer
from organizations.permissions import IsOrgAdminOrReadOnly
from templates_app.selectors import templates_for


@extend_schema(tags=["campaigns"])
class CampaignListCreateView(generics.ListAPIView):
    serializer_class = CampaignSerializer
    permission_classes = [IsOrgAdminOrReadOnly]

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


@extend_schema(tags=["campaigns"])
class CampaignDetailView(generics.RetrieveAPIView):
    serializer_class = CampaignSerializer
    permission_classes = [IsOrgAdminOrReadOnly]

    def get_queryset(self):
        return selectors.campaigns_for(self.request.user)
