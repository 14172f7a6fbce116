from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from organizations.models import Organization, User
from organizations.permissions import can_administer, scope_to_organization
from organizations.selectors import organizations_visible_to
from tests import factories

pytestmark = pytest.mark.django_db


def test_custom_user_is_the_auth_user_model():
    assert settings.AUTH_USER_MODEL == "organizations.User"
    assert get_user_model() is User


def test_users_and_organizations_have_uuid_public_ids(member):
    assert isinstance(member.pk, uuid.UUID)
    assert isinstance(member.organization.pk, uuid.UUID)


def test_new_user_is_a_member_by_default(organization):
    user = User.objects.create_user(
        username="new", password="correct-horse-battery", organization=organization
    )

    assert user.role == User.Role.MEMBER
    assert user.is_org_admin is False
    assert user.is_super_admin is False


def test_user_without_organization_is_refused_unless_superuser():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="orphan", password="correct-horse-battery")

    assert not User.objects.filter(username="orphan").exists()


def test_org_admin_without_organization_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="orphan-admin", role=User.Role.ORG_ADMIN)


def test_superuser_may_have_no_organization():
    user = User.objects.create_superuser(username="root", password="correct-horse-battery")

    user.refresh_from_db()
    assert user.organization is None
    assert user.is_super_admin is True


def test_removing_the_organization_of_a_member_is_refused(member):
    member.organization = None

    with pytest.raises(IntegrityError), transaction.atomic():
        member.save()


def test_org_admin_role_makes_is_org_admin_true(org_admin, member):
    assert org_admin.is_org_admin is True
    assert member.is_org_admin is False


def test_org_admin_role_without_organization_is_not_org_admin():
    user = factories.SuperAdminFactory(role=User.Role.ORG_ADMIN)

    assert user.is_super_admin is True
    assert user.is_org_admin is False


def test_role_choices_are_org_admin_and_member():
    assert set(User.Role.values) == {"org_admin", "member"}


def test_organization_with_users_cannot_be_deleted(member):
    with pytest.raises(ProtectedError):
        member.organization.delete()

    assert Organization.objects.filter(pk=member.organization_id).exists()


def test_organization_slug_is_unique(organization):
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.create(name="Copy", slug=organization.slug)


def test_org_admin_administers_only_their_own_organization(org_admin, other_organization):
    assert can_administer(org_admin, org_admin.organization_id) is True
    assert can_administer(org_admin, other_organization.pk) is False


def test_member_administers_nothing(member):
    assert can_administer(member, member.organization_id) is False


def test_super_admin_administers_every_organization(super_admin, organization):
    assert can_administer(super_admin, organization.pk) is True


def test_scoping_keeps_only_rows_of_the_users_organization(member, other_org_admin):
    users = scope_to_organization(User.objects.all(), member)

    assert list(users) == [member]


def test_super_admin_without_organization_sees_every_organization(
    super_admin, organization, other_organization
):
    assert set(organizations_visible_to(super_admin)) == {organization, other_organization}


def test_member_sees_only_their_organization(member, other_organization):
    assert list(organizations_visible_to(member)) == [member.organization]
