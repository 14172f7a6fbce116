from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from organizations.models import LiveMessage, Organization, User


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


def last_live_message_id(organization_id: Any) -> int:
    """The id of the organization's latest live message, 0 when it has none yet."""
    return (
        LiveMessage.objects.filter(organization_id=organization_id)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
        or 0
    )


def live_messages_after(organization_id: Any, *, since: int, limit: int) -> list[LiveMessage]:
    """The organization's live messages after id `since`, oldest first, at most `limit`."""
    return list(
        LiveMessage.objects.filter(organization_id=organization_id, id__gt=since).order_by("id")[
            :limit
        ]
    )


def live_message_is_kept(organization_id: Any, message_id: int) -> bool:
    """Whether the organization's message `message_id` is still kept (not yet pruned)."""
    return LiveMessage.objects.filter(organization_id=organization_id, id=message_id).exists()
