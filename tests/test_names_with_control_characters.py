"""A name with a line break or another control character is refused, in the admin and the API
alike, by the one rule of the services that write names (it would break an email's headers)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from campaigns.models import Campaign
from organizations.models import Organization, User
from templates_app.models import BusinessAccount, WhatsAppTemplate
from tests import factories

pytestmark = pytest.mark.django_db

# A header injection, a line feed, a tab, a terminal escape, a C1 "next line", a line separator.
BAD_NAMES = [
    "Acme\r\nBcc: everyone@example.com",
    "Acme\nShop",
    "Acme\tShop",
    "Acme\x1b[31mShop",
    "Acme\x85Shop",
    "Acme\u2028Shop",
]
MESSAGE = "A name cannot hold a line break, a tab or another control character"


@pytest.fixture
def staff_browser(organization) -> Client:
    user = factories.OrgAdminFactory(organization=organization, is_staff=True)
    user.user_permissions.set(Permission.objects.all())
    client = Client()
    client.force_login(User.objects.get(pk=user.pk))
    return client


def form_errors(response) -> dict:
    assert response.status_code == 200, response.status_code
    return response.context["adminform"].form.errors


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_business_account_name(name, admin_client, staff_browser, organization):
    account = factories.BusinessAccountFactory(organization=organization, name="Acme")

    api = admin_client.post(
        "/api/v1/whatsapp/accounts/", {"waba_id": "102290129341111", "name": name}, format="json"
    )
    added = staff_browser.post(
        "/admin/templates_app/businessaccount/add/", {"waba_id": "102290129342222", "name": name}
    )
    changed = staff_browser.post(
        f"/admin/templates_app/businessaccount/{account.pk}/change/", {"name": name}
    )

    assert api.status_code == 400
    assert MESSAGE in api.json()["name"][0]
    assert MESSAGE in form_errors(added)["name"][0]
    assert MESSAGE in form_errors(changed)["name"][0]
    assert list(BusinessAccount.objects.values_list("name", flat=True)) == ["Acme"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_template_name(name, admin_client, staff_browser, phone_number):
    body = {"name": name, "language": "en_US", "category": "UTILITY"}

    api = admin_client.post(f"/api/v1/whatsapp/{phone_number.pk}/templates/", body, format="json")
    added = staff_browser.post(
        "/admin/templates_app/whatsapptemplate/add/",
        {**body, "phone_number": str(phone_number.pk)},
    )

    assert api.status_code == 400
    assert form_errors(added)["name"] == api.json()["name"]
    assert not WhatsAppTemplate.objects.exists()


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_campaign_name(name, admin_client, staff_browser, phone_number):
    template = factories.WhatsAppTemplateFactory(phone_number=phone_number)
    campaign = factories.CampaignFactory(template=template, name="Spring")

    api = admin_client.post(
        "/api/v1/campaigns/", {"name": name, "template": str(template.pk)}, format="json"
    )
    added = staff_browser.post(
        "/admin/campaigns/campaign/add/",
        {"name": name, "template": str(template.pk), "status": "DRAFT"},
    )
    changed = staff_browser.post(f"/admin/campaigns/campaign/{campaign.pk}/change/", {"name": name})

    assert api.status_code == 400
    assert MESSAGE in api.json()["name"][0]
    assert MESSAGE in form_errors(added)["name"][0]
    assert MESSAGE in form_errors(changed)["name"][0]
    assert list(Campaign.objects.values_list("name", flat=True)) == ["Spring"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_an_organization_name(name, super_admin_client, staff_browser, organization):
    api = super_admin_client.post(
        "/api/v1/organizations/", {"name": name, "slug": "acme"}, format="json"
    )
    changed = staff_browser.post(
        f"/admin/organizations/organization/{organization.pk}/change/",
        {"name": name, "slug": organization.slug},
    )

    assert api.status_code == 400
    assert MESSAGE in api.json()["name"][0]
    assert MESSAGE in form_errors(changed)["name"][0]
    assert list(Organization.objects.values_list("name", flat=True)) == [organization.name]


def test_a_name_with_letters_of_any_script_is_kept(staff_browser, organization):
    response = staff_browser.post(
        f"/admin/organizations/organization/{organization.pk}/change/",
        {"name": "Café Zürich — 東京", "slug": organization.slug},
    )

    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.name == "Café Zürich — 東京"
