from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from organizations.permissions import IsOrgAdminOrReadOnly, acting_organization
from templates_app import selectors
from templates_app.api.serializers import (
    BusinessAccountSerializer,
    PhoneNumberSerializer,
    TemplateCreateSerializer,
    TemplateSerializer,
)
from templates_app.models import PhoneNumber, WhatsAppTemplate
from templates_app.services import templates as services


@extend_schema(tags=["whatsapp"])
class BusinessAccountListCreateView(generics.ListCreateAPIView):
    serializer_class = BusinessAccountSerializer
    permission_classes = [IsOrgAdminOrReadOnly]

    def get_queryset(self):
        return selectors.business_accounts_for(self.request.user)

    def perform_create(self, serializer: BusinessAccountSerializer) -> None:
        serializer.instance = services.create_business_account(
            organization=acting_organization(self.request.user), **serializer.validated_data
        )


@extend_schema(tags=["whatsapp"])
class PhoneNumberListCreateView(generics.ListCreateAPIView):
    serializer_class = PhoneNumberSerializer
    permission_classes = [IsOrgAdminOrReadOnly]

    def get_queryset(self):
        return selectors.phone_numbers_for(self.request.user)

    def get_serializer(self, *args, **kwargs):
        accounts = selectors.business_accounts_for(self.request.user)
        return super().get_serializer(*args, accounts=accounts, **kwargs)

    def perform_create(self, serializer: PhoneNumberSerializer) -> None:
        serializer.instance = services.create_phone_number(**serializer.validated_data)


class PhoneNumberMixin:
    """Views under /whatsapp/{number_id}/: the number must belong to the caller's organization."""

    def get_phone_number(self) -> PhoneNumber:
        return get_object_or_404(
            selectors.phone_numbers_for(self.request.user), pk=self.kwargs["number_id"]
        )


@extend_schema(tags=["whatsapp"])
class TemplateListCreateView(PhoneNumberMixin, generics.ListAPIView):
    serializer_class = TemplateSerializer
    permission_classes = [IsOrgAdminOrReadOnly]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no URL kwargs
            return WhatsAppTemplate.objects.none()
        return selectors.templates_of_number(
            self.request.user, phone_number=self.get_phone_number()
        )

    @extend_schema(request=TemplateCreateSerializer, responses={201: TemplateSerializer})
    def post(self, request: Request, *args, **kwargs) -> Response:
        phone_number = self.get_phone_number()
        serializer = TemplateCreateSerializer(data=request.data, phone_number=phone_number)
        serializer.is_valid(raise_exception=True)
        template = services.create_template(phone_number=phone_number, **serializer.validated_data)
        return Response(TemplateSerializer(template).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["whatsapp"])
class TemplateDetailView(PhoneNumberMixin, generics.RetrieveAPIView):
    serializer_class = TemplateSerializer
    permission_classes = [IsOrgAdminOrReadOnly]
    lookup_url_kwarg = "template_id"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no URL kwargs
            return WhatsAppTemplate.objects.none()
        return selectors.templates_of_number(
            self.request.user, phone_number=self.get_phone_number()
        )
