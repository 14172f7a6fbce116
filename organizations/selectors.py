from __future__ import annotations

from django.db.models import QuerySet

from organizations.models import Organization, User
from organizations.permissions import scope_to_organization


def organizations_visible_to(user: User) -> QuerySet[Organization]:
    if not user.is_authenticated:
        return Organization.objects.none()
    if user.is_superuser:
        return Organization.objects.all()
    return Organization.objects.filter(pk=user.organization_id)


def users_of(organization: Organization, *, viewer: User) -> QuerySet[User]:
    users = User.objects.filter(organization=organization).order_by("username")
    return scope_to_organization(users, viewer)
