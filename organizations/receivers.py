"""New credentials end the user's tokens; a logout ends the sockets of its session."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from organizations import services
from organizations.models import User

# Which fields a save must touch for its credentials to change.
CREDENTIAL_FIELDS = frozenset({"password", "is_active"})


def logged_out(
    sender: Any, *, request: HttpRequest | None = None, user: User | None = None, **kwargs: Any
) -> None:
    if request is not None and user is not None:
        services.end_session(user=user, session_key=request.session.session_key)


def user_about_to_be_saved(
    sender: type[User], *, instance: User, update_fields: Any = None, **kwargs: Any
) -> None:
    # Compared before the save (the stored row is about to change), acted on after it.
    touches = update_fields is None or CREDENTIAL_FIELDS & set(update_fields)
    instance._credentials_changed = bool(touches) and services.credentials_changed(user=instance)


def user_saved(sender: type[User], *, instance: User, **kwargs: Any) -> None:
    if getattr(instance, "_credentials_changed", False):
        services.revoke_all_tokens(user=instance)
