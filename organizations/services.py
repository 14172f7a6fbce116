from __future__ import annotations

from django.db import transaction

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
