"""A failed login is counted; new credentials end the user's tokens."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from organizations import login_throttle, services
from organizations.models import User

# Which fields a save must touch for its credentials to change.
CREDENTIAL_FIELDS = frozenset({"password", "is_active"})


def login_failed(
    sender: Any, *, credentials: dict, request: HttpRequest | None = None, **kwargs: Any
) -> None:
    if request is not None:
        login_throttle.record_failure(
            username=str(credentials.get("username", "")), ip=login_throttle.client_ip(request)
        )


def user_about_to_be_saved(
    sender: type[User], *, instance: User, update_fields: Any = None, **kwargs: Any
) -> None:
    # Compared before the save (the stored row is about to change), acted on after it.
    touches = update_fields is None or CREDENTIAL_FIELDS & set(update_fields)
    instance._credentials_changed = bool(touches) and services.credentials_changed(user=instance)


def user_saved(sender: type[User], *, instance: User, **kwargs: Any) -> None:
    if getattr(instance, "_credentials_changed", False):
        services.revoke_all_tokens(user=instance)
