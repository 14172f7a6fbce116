"""Membership and permission helpers shared by every app's API."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from rest_framework import permissions
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request

from organizations.models import Organization, User


def scope_to_organization(
    queryset: QuerySet, user: User, *, field: str = "organization"
) -> QuerySet:
    """Rows of the user's organization; a super admin without an organization sees every one."""
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser and user.organization_id is None:
        return queryset
    return queryset.filter(**{f"{field}_id": user.organization_id})


def acting_organization(user: User) -> Organization:
    """The organization a write is made for: the user's own."""
    if user.organization is None:
        raise ValidationError(
            {"detail": "A super admin without an organization cannot create this object."}
        )
    return user.organization


def viewed_organization_id(user: User, requested: UUID | None) -> UUID:
    """The organization a report is read for: the user's own, or the one a super admin names.

    A super admin without an organization must name one (400); naming an organization the user
    may not see answers 404, as any other organization's object does.
    """
    if requested is None:
        if user.organization_id is None:
            raise ValidationError(
                {"organization": ["A super admin without an organization must name one."]}
            )
        return user.organization_id
    if requested == user.organization_id:
        return requested
    if not user.is_superuser or not Organization.objects.filter(pk=requested).exists():
        raise NotFound("No such organization.")
    return requested


def can_administer(user: Any, organization_id: Any) -> bool:
    return bool(
        user.is_authenticated
        and (
            user.is_superuser
            or (user.role == User.Role.ORG_ADMIN and user.organization_id == organization_id)
        )
    )


class IsSuperAdmin(permissions.BasePermission):
    message = "Only a super admin may do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user.is_authenticated and request.user.is_superuser)


class IsOrgAdmin(permissions.BasePermission):
    """org_admin of the caller's organization, or super_admin."""

    message = "Only an organization admin or a super admin may do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(
            user.is_authenticated and (user.is_superuser or user.role == User.Role.ORG_ADMIN)
        )


class IsOrgAdminOrReadOnly(IsOrgAdmin):
    """Members read; org_admin and super_admin also write."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return bool(request.user.is_authenticated)
        return super().has_permission(request, view)
