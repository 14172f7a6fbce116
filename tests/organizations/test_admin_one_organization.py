"""What a staff user of one organization may do in the admin: save, users, passwords, tokens."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from knox.models import AuthToken

from campaigns.models import Campaign
from organizations.models import User
from templates_app.models import BusinessAccount, WhatsAppTemplate
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


@pytest.fixture
def staff(organization):
    user = factories.OrgAdminFactory(organization=organization, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["organizations", "templates_app", "campaigns"]
        )
    )
    return User.objects.get(pk=user.pk)


@pytest.fixture
def staff_browser(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def foreign_template(other_phone_number):
    return factories.WhatsAppTemplateFactory(phone_number=other_phone_number)


def test_a_campaign_on_another_organizations_template_is_refused(staff_browser, foreign_template):
    response = staff_browser.post(
        "/admin/campaigns/campaign/add/",
        {"name": "Sneaky", "template": str(foreign_template.pk), "status": "DRAFT"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["template"]
    assert not Campaign.objects.filter(name="Sneaky").exists()


def test_a_template_on_another_organizations_number_is_refused(staff_browser, other_phone_number):
    response = staff_browser.post(
        "/admin/templates_app/whatsapptemplate/add/",
        {"phone_number": str(other_phone_number.pk), "name": "sneaky", "language": "en_US"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["phone_number"]
    assert not WhatsAppTemplate.objects.filter(name="sneaky").exists()


def test_a_business_account_is_saved_in_the_staff_users_organization(
    staff_browser, organization, other_organization
):
    response = staff_browser.post(
        "/admin/templates_app/businessaccount/add/",
        {"organization": str(other_organization.pk), "waba_id": "555", "name": "Ours"},
    )

    assert response.status_code == 302
    assert BusinessAccount.objects.get(waba_id="555").organization_id == organization.pk


def test_superuser_form_mixing_organizations_is_refused(super_admin, organization):
    # A number of organization A moved to B's business account: its templates are A's.
    number = factories.PhoneNumberFactory(business_account__organization=organization)
    factories.WhatsAppTemplateFactory(phone_number=number)
    foreign_account = factories.BusinessAccountFactory()
    client = Client()
    client.force_login(super_admin)

    response = client.post(
        f"/admin/templates_app/phonenumber/{number.pk}/change/",
        {
            "business_account": str(foreign_account.pk),
            "phone_number_id": number.phone_number_id,
            "display_phone_number": number.display_phone_number,
        },
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["business_account"]
    assert errors == [f"{foreign_account} belongs to another organization than this form."]
    number.refresh_from_db()
    assert number.business_account.organization_id == organization.pk


# --- users ------------------------------------------------------------------------------------


def test_staff_see_only_their_organizations_users_and_no_superuser(
    staff_browser, staff, member, other_org_admin, super_admin
):
    response = staff_browser.get("/admin/organizations/user/")

    listed = set(response.context["cl"].queryset)
    assert listed == {staff, member}


def test_staff_cannot_make_anyone_superuser_or_staff(staff_browser, staff, member):
    page = staff_browser.get(f"/admin/organizations/user/{member.pk}/change/")
    form = page.context["adminform"].form
    assert not {"is_superuser", "is_staff", "organization"} & set(form.fields)

    staff_browser.post(
        f"/admin/organizations/user/{staff.pk}/change/",
        {"username": staff.username, "role": "org_admin", "is_superuser": "on", "is_staff": "on"},
    )

    staff.refresh_from_db()
    assert not staff.is_superuser


def test_staff_grant_only_groups_and_permissions_they_hold(staff_browser, staff, member):
    held, not_held = Group.objects.create(name="editors"), Group.objects.create(name="owners")
    staff.groups.add(held)

    page = staff_browser.get(f"/admin/organizations/user/{member.pk}/change/")

    form = page.context["adminform"].form
    assert set(form.fields["groups"].queryset) == {held}
    permissions = set(form.fields["user_permissions"].queryset)
    assert permissions == set(Permission.objects.filter(user=staff))
    assert not Permission.objects.filter(content_type__app_label="auth").filter(
        pk__in=[p.pk for p in permissions]
    )
    assert not_held not in form.fields["groups"].queryset


def test_a_group_the_staff_user_lacks_stays_on_the_user_they_edit(staff_browser, staff, member):
    kept = Group.objects.create(name="owners")
    member.groups.add(kept)

    response = staff_browser.post(
        f"/admin/organizations/user/{member.pk}/change/",
        {
            "username": member.username,
            "role": "member",
            "groups": [],
            "is_active": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(member.groups.all()) == [kept]


def test_staff_add_users_to_their_own_organization(staff_browser, organization, other_organization):
    response = staff_browser.post(
        "/admin/organizations/user/add/",
        {
            "username": "newcomer",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
            "usable_password": "true",
            "organization": str(other_organization.pk),
            "role": "member",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert User.objects.get(username="newcomer").organization_id == organization.pk


def test_staff_cannot_change_another_organizations_password(staff_browser, other_org_admin):
    url = f"/admin/organizations/user/{other_org_admin.pk}/password/"

    page = staff_browser.get(url)
    post = staff_browser.post(
        url, {"password1": "taken-over-passphrase", "password2": "taken-over-passphrase"}
    )

    assert page.status_code == 404
    assert post.status_code == 404
    other_org_admin.refresh_from_db()
    assert other_org_admin.check_password(PASSWORD)


def test_staff_change_their_own_organizations_passwords(staff_browser, member):
    response = staff_browser.post(
        f"/admin/organizations/user/{member.pk}/password/",
        {
            "password1": "a-new-long-passphrase",
            "password2": "a-new-long-passphrase",
            "usable_password": "true",
        },
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password("a-new-long-passphrase")


# --- tokens -----------------------------------------------------------------------------------


def test_the_token_admin_never_shows_a_key(super_admin, member):
    token, key = AuthToken.objects.create(user=member)
    client = Client()
    client.force_login(super_admin)

    pages = [
        client.get("/admin/knox/authtoken/").content.decode(),
        client.get(f"/admin/knox/authtoken/{token.pk}/change/").content.decode(),
    ]

    assert member.username in pages[0]
    for page in pages:
        assert key not in page
        assert token.token_key not in page  # the key's first characters, stored to look up
    assert client.get("/admin/knox/authtoken/add/").status_code == 403


def test_revoking_a_token_in_the_admin_ends_it(super_admin, member):
    token, _key = AuthToken.objects.create(user=member)
    client = Client()
    client.force_login(super_admin)

    client.post(
        "/admin/knox/authtoken/",
        {"action": "revoke_selected", "_selected_action": [str(token.pk)]},
    )

    assert not AuthToken.objects.filter(pk=token.pk).exists()


# --- roles ------------------------------------------------------------------------------------


@pytest.fixture
def member_staff(organization) -> User:
    user = factories.UserFactory(organization=organization, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="organizations"))
    return User.objects.get(pk=user.pk)


def test_a_member_cannot_make_itself_org_admin(member_staff):
    client = Client()
    client.force_login(member_staff)

    response = client.post(
        f"/admin/organizations/user/{member_staff.pk}/change/",
        {"username": member_staff.username, "role": "org_admin", "is_active": "on"},
    )

    assert response.status_code == 200
    assert "role" in response.context["adminform"].form.errors
    member_staff.refresh_from_db()
    assert member_staff.role == User.Role.MEMBER


def test_a_member_adds_members_only(member_staff):
    client = Client()
    client.force_login(member_staff)

    page = client.get("/admin/organizations/user/add/")
    response = client.post(
        "/admin/organizations/user/add/",
        {
            "username": "promoted",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
            "usable_password": "true",
            "role": "org_admin",
        },
    )

    offered = [value for value, _ in page.context["adminform"].form.fields["role"].choices]
    assert offered == [User.Role.MEMBER]
    assert response.status_code == 200
    assert not User.objects.filter(username="promoted").exists()


def test_a_member_cannot_demote_an_org_admin(member_staff, org_admin):
    client = Client()
    client.force_login(member_staff)

    page = client.get(f"/admin/organizations/user/{org_admin.pk}/change/")
    client.post(
        f"/admin/organizations/user/{org_admin.pk}/change/",
        {"username": org_admin.username, "role": "member", "is_active": "on"},
    )

    assert "role" not in page.context["adminform"].form.fields
    org_admin.refresh_from_db()
    assert org_admin.role == User.Role.ORG_ADMIN


def test_an_org_admin_grants_either_role(staff_browser, member):
    response = staff_browser.post(
        f"/admin/organizations/user/{member.pk}/change/",
        {"username": member.username, "role": "org_admin", "is_active": "on"},
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.role == User.Role.ORG_ADMIN
