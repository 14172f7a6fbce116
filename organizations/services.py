from __future__ import annotations

from django.db import transaction
from knox.models import AuthToken
from knox.settings import knox_settings

from organizations.models import Organization, User


@transaction.atomic
def create_organization(*, name: str, slug: str) -> Organization:
    return Organization.objects.create(name=name, slug=slug)


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
    """The token stops working at once (a logout)."""
    token.delete()


def revoke_all_tokens(*, user: User) -> int:
    """Every token of `user` stops working; returns how many there were."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted


def credentials_changed(*, user: User) -> bool:
    """Whether saving `user` changes its password or deactivates it, against the stored row."""
    if user._state.adding:
        return False
    stored = User.objects.filter(pk=user.pk).values("password", "is_active").first()
    if stored is None:
        return False
    return stored["password"] != user.password or (stored["is_active"] and not user.is_active)
