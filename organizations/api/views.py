from django.contrib.auth import authenticate
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, Throttled
from rest_framework.generics import ListCreateAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from organizations import login_throttle, selectors, services
from organizations.api.serializers import (
    OrganizationSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
    UserCreateSerializer,
    UserSerializer,
)
from organizations.models import User
from organizations.permissions import IsSuperAdmin, can_administer
from pytake.api.authentication import TokenAuthentication


class ObtainTokenView(APIView):
    """Exchange a username and password for an API token that expires."""

    authentication_classes = []
    permission_classes = []

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenResponseSerializer,
            400: OpenApiResponse(description="Missing fields, or wrong username or password"),
            429: OpenApiResponse(
                description="Too many failed logins, or too many being checked; see Retry-After"
            ),
        },
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        username, password = serializer.validated_data.values()
        try:
            # Claimed and given a hashing turn before the database is touched.
            with login_throttle.attempt(
                username=username, ip=login_throttle.client_ip(request)
            ) as attempt:
                user = authenticate(request._request, username=username, password=password)
                attempt.succeeded = user is not None
        except login_throttle.LoginRefused as refused:
            raise Throttled(wait=refused.wait, detail=refused.detail) from None
        if user is None:
            raise serializers.ValidationError(
                {"non_field_errors": ["Unable to log in with provided credentials."]}
            )
        token, key = services.issue_token(user=user)
        return Response(TokenResponseSerializer({"token": key, "expiry": token.expiry}).data)


class LogoutView(APIView):
    """Revoke the token this request is authenticated with."""

    authentication_classes = [TokenAuthentication]

    @extend_schema(request=None, responses={204: None}, tags=["auth"])
    def post(self, request: Request) -> Response:
        services.revoke_token(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    """Revoke every token of the user this request is authenticated as (every device)."""

    authentication_classes = [TokenAuthentication]

    @extend_schema(request=None, responses={204: None}, tags=["auth"])
    def post(self, request: Request) -> Response:
        services.revoke_all_tokens(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    get=extend_schema(
        summary="List organizations",
        description=(
            "The organizations the caller can see: their own, or every one for a super admin."
        ),
    ),
    post=extend_schema(
        summary="Create an organization",
        description="A super admin creates an organization; its users are added under `users/`.",
    ),
)
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


@extend_schema_view(
    get=extend_schema(
        summary="List an organization's users",
        description="The users of one organization, for its org admin or a super admin.",
    ),
    post=extend_schema(
        summary="Create a user in an organization",
        description=(
            "Its org admin or a super admin adds a user with a role; the password is write-only."
        ),
    ),
)
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
