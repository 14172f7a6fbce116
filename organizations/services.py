from __future__ import annotations

from datetime import datetime

from django.db import transaction

from organizations.models import LiveMessage, Organization, User


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


def prune_live_messages(*, older_than: datetime) -> int:
    """Delete live messages kept since before `older_than`; returns how many.

    A socket that resumes from a deleted message is told to reload (`resume.truncated`).
    """
    deleted, _ = LiveMessage.objects.filter(created_at__lt=older_than).delete()
    return deleted
