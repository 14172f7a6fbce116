from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import ListCreateAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from organizations import selectors, services
from organizations.api.serializers import (
    OrganizationSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
    UserCreateSerializer,
    UserSerializer,
)
from organizations.models import User
from organizations.permissions import IsSuperAdmin, can_administer


class ObtainTokenView(ObtainAuthToken):
    """Exchange a username and password for an API token."""

    @extend_schema(request=TokenRequestSerializer, responses=TokenResponseSerializer, tags=["auth"])
    def post(self, request: Request, *args, **kwargs) -> Response:
        return super().post(request, *args, **kwargs)


@extend_schema(tags=["organizations"])
class OrganizationListCreateView(ListCreateAPIView):
    serializer_class = OrganizationSerializer

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsSuperAdmin()]
        return [IsAuthenticated()]

    def get_queryset(self):
        return selectors.organizations_visible_to(self.request.user)

    def perform_create(self, serializer: OrganizationSerializer) -> None:
        serializer.instance = services.create_organization(**serializer.validated_data)


@extend_schema(tags=["organizations"])
class OrganizationUserListCreateView(ListCreateAPIView):
    """Users of one organization; super_admin or that organization's org_admin creates them."""

    def get_serializer_class(self):
        return UserCreateSerializer if self.request.method == "POST" else UserSerializer

    def get_organization(self):
        organization = get_object_or_404(
            selectors.organizations_visible_to(self.request.user), pk=self.kwargs["pk"]
        )
        if not can_administer(self.request.user, organization.pk):
            raise PermissionDenied("Only this organization's admin or a super admin may do this.")
        return organization

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no URL kwargs
            return User.objects.none()
        return selectors.users_of(self.get_organization(), viewer=self.request.user)

    @extend_schema(request=UserCreateSerializer, responses={201: UserSerializer})
    def post(self, request: Request, *args, **kwargs) -> Response:
        organization = self.get_organization()
        serializer = UserCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.create_user(organization=organization, **serializer.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)
