from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from knox.models import AuthToken

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


def api_token(key: str) -> AuthToken | None:
    """The live API token with this key (its user active), or None: the one place a token is
    looked up.

    Tokens are knox's: stored hashed, checked against their expiry, as the REST API checks them.
    """
    from knox.auth import TokenAuthentication
    from rest_framework.exceptions import AuthenticationFailed

    try:
        _user, token = TokenAuthentication().authenticate_credentials(key.encode())
    except AuthenticationFailed:
        return None
    return token


@dataclass(frozen=True, slots=True)
class Standing:
    """Whether credentials still hold, and until when (None: no known end)."""

    valid: bool
    expires_at: datetime | None = None


def api_token_standing(digest: str) -> Standing:
    """Whether the token with this digest is still live: not revoked, not expired, its user
    active."""
    expiry = (
        AuthToken.objects.filter(digest=digest, user__is_active=True)
        .filter(Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()))
        .values_list("expiry", flat=True)
    )
    found = list(expiry[:1])
    return Standing(valid=True, expires_at=found[0]) if found else Standing(valid=False)


def session_standing(session_key: str, *, user_id: Any) -> Standing:
    """Whether the session with this key still logs `user_id` in: not logged out, not expired,
    its password hash current (a new password ends the other sessions), its user active.

    Read as Django's `get_user` reads a request's session, without flushing one that fails.
    """
    data = import_module(settings.SESSION_ENGINE).SessionStore(session_key).load()
    backend_path = data.get(BACKEND_SESSION_KEY)
    backends = settings.AUTHENTICATION_BACKENDS
    if str(data.get(SESSION_KEY)) != str(user_id) or backend_path not in backends:
        return Standing(valid=False)
    user = load_backend(backend_path).get_user(user_id)  # None when inactive
    session_hash = data.get(HASH_SESSION_KEY)
    if user is None or not session_hash:
        return Standing(valid=False)
    return Standing(valid=constant_time_compare(session_hash, user.get_session_auth_hash()))
