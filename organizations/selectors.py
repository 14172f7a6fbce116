from __future__ import annotations

from django.db.models import QuerySet

from organizations.models import Organization, User


def organizations_visible_to(user: User) -> QuerySet[Organization]:
    if not user.is_authenticated:
        return Organization.objects.none()
    if user.is_superuser:
        return Organization.objects.all()
    return Organization.objects.filter(pk=user.organization_id)


def users_of(organization: Organization, *, viewer: User) -> QuerySet[User]:
    """Users of one organization, if the viewer may see that organization."""
    # Scoped like the organizations themselves: a super admin who also belongs to an
    # organization still sees the users of every other one.
    return User.objects.filter(
        organization=organization, organization__in=organizations_visible_to(viewer)
    ).order_by("username")


def user_for_api_token(key: str) -> User | None:
    """The active user an API token belongs to, or None: the one place a token is looked up.

    Tokens are knox's: stored hashed, checked against their expiry, as the REST API checks them.
    """
    from knox.auth import TokenAuthentication
    from rest_framework.exceptions import AuthenticationFailed

    try:
        user, _token = TokenAuthentication().authenticate_credentials(key.encode())
    except AuthenticationFailed:
        return None
    return user
