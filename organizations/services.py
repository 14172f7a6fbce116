from __future__ import annotations

from django.db import transaction
from knox.models import AuthToken
from knox.settings import knox_settings

from organizations import revocation
from organizations.models import Organization, User
from pytake.names import check_name


@transaction.atomic
def create_organization(*, name: str, slug: str) -> Organization:
    return Organization.objects.create(name=check_name(name), slug=slug)


@transaction.atomic
def update_organization(*, organization: Organization, name: str, slug: str) -> Organization:
    """A superuser or the organization's staff rename it (its slug too)."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    organization.name = check_name(name)
    organization.slug = slug
    organization.save(update_fields=["name", "slug"])
    return organization


@transaction.atomic
def create_user(
    *,
    organization: Organization,
    username: str,
    password: str,
    email: str = "",
    role: str = User.Role.MEMBER,
) -> User:
    user = User(organization=organization, username=username, email=email, role=role)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


# --- API tokens ---------------------------------------------------------------------------------


def issue_token(*, user: User) -> tuple[AuthToken, str]:
    """A new API token for `user`, valid for TOKEN_TTL; returns the row and the key.

    Only a hash of the key is stored: the key is shown once, to whoever asked for it.
    """
    return AuthToken.objects.create(user=user, expiry=knox_settings.TOKEN_TTL)


def revoke_token(*, token: AuthToken) -> None:
    """The token stops working at once (a logout), and so do the sockets opened with it."""
    token.delete()
    revocation.announce_revoked(user_id=token.user_id)


def revoke_all_tokens(*, user: User) -> int:
    """Every token of `user` stops working, and so do the sockets opened with one of them (or
    with a session that a new password or a deactivation ended); returns how many there were."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    revocation.announce_revoked(user_id=user.pk)
    return deleted


def end_session(*, user: User, session_key: str | None) -> None:
    """A session logged out: the sockets opened with it close."""
    if session_key:
        revocation.announce_revoked(user_id=user.pk, session_key=session_key)


def credentials_changed(*, user: User) -> bool:
    """Whether saving `user` changes its password or deactivates it, against the stored row."""
    if user._state.adding:
        return False
    stored = User.objects.filter(pk=user.pk).values("password", "is_active").first()
    if stored is None:
        return False
    return stored["password"] != user.password or (stored["is_active"] and not user.is_active)
