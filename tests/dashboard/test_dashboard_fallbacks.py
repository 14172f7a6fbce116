"""Naming a campaign's fallback templates from the dashboard: organization admins do, through
the service the API uses; a refusal is shown in words and changes nothing; members cannot."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from campaigns.models import CampaignFallback
from tests import factories
from tests.campaigns.test_fallbacks import make_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def spring_sale(phone_number):
    return make_template(phone_number, "spring_sale")


@pytest.fixture
def campaign(spring_sale):
    return factories.CampaignFactory(template=spring_sale, name="Spring push")


def logged_in(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def csrf_token_of(client: Client) -> str:
    page = client.get("/dashboard/").content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def fallback_ids(campaign) -> list:
    return list(
        CampaignFallback.objects.filter(campaign=campaign)
        .order_by("position")
        .values_list("template_id", flat=True)
    )


def test_an_admin_names_the_fallbacks_in_order_among_the_compatible_templates(
    org_admin, phone_number, campaign
):
    v2 = make_template(phone_number, "spring_sale_v2")
    v3 = make_template(phone_number, "spring_sale_v3")
    spanish = make_template(phone_number, "venta", language="es")
    client = logged_in(org_admin)

    page = client.get("/dashboard/").content.decode()
    form = re.search(rf'<form [^>]*data-fallback-form="{campaign.pk}".*?</form>', page, re.S)
    offered = set(re.findall(r'<option value="([0-9a-f-]{36})"', form.group(0)))
    assert offered == {str(v2.pk), str(v3.pk)}  # not its own template, not another language
    assert str(spanish.pk) not in form.group(0)

    response = client.post(
        f"/dashboard/campaigns/{campaign.pk}/fallbacks/",
        {
            "csrfmiddlewaretoken": csrf_token_of(client),
            "fallback_1": str(v3.pk),
            "fallback_2": str(v2.pk),
            "fallback_3": "",
            "switch_back": "on",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert "Fallback templates of Spring push saved." in response.content.decode()
    assert fallback_ids(campaign) == [v3.pk, v2.pk]
    campaign.refresh_from_db()
    assert campaign.switch_back is True


def test_a_refused_fallback_is_explained_in_words_and_changes_nothing(
    org_admin, phone_number, campaign
):
    v2 = make_template(phone_number, "spring_sale_v2")
    spanish = make_template(phone_number, "venta", language="es")
    CampaignFallback.objects.create(campaign=campaign, template=v2, position=1)
    client = logged_in(org_admin)

    response = client.post(
        f"/dashboard/campaigns/{campaign.pk}/fallbacks/",
        {"csrfmiddlewaretoken": csrf_token_of(client), "fallback_1": str(spanish.pk)},
    )

    assert response.status_code == 400
    assert "Not saved: venta (es) is in another language: es, not en_US." in (
        response.content.decode()
    )
    assert fallback_ids(campaign) == [v2.pk]


def test_a_member_sees_a_disabled_form_with_the_reason_and_is_refused(
    member, organization, phone_number, campaign
):
    v2 = make_template(phone_number, "spring_sale_v2")
    client = logged_in(member)

    page = client.get("/dashboard/").content.decode()
    form = re.search(rf'<form [^>]*data-fallback-form="{campaign.pk}".*?</form>', page, re.S)
    assert "<fieldset disabled" in form.group(0)
    assert f"Only an admin of {organization.name} can name fallback templates." in form.group(0)

    response = client.post(
        f"/dashboard/campaigns/{campaign.pk}/fallbacks/",
        {"csrfmiddlewaretoken": csrf_token_of(client), "fallback_1": str(v2.pk)},
    )

    assert response.status_code == 403
    assert fallback_ids(campaign) == []


def test_another_organizations_template_or_campaign_is_not_reachable(
    org_admin, campaign, other_phone_number, other_org_admin
):
    theirs = make_template(other_phone_number, "spring_sale")
    client = logged_in(org_admin)

    response = client.post(
        f"/dashboard/campaigns/{campaign.pk}/fallbacks/",
        {"csrfmiddlewaretoken": csrf_token_of(client), "fallback_1": str(theirs.pk)},
    )
    assert response.status_code == 400
    assert fallback_ids(campaign) == []

    outsider = logged_in(other_org_admin)
    response = outsider.post(
        f"/dashboard/campaigns/{campaign.pk}/fallbacks/",
        {"csrfmiddlewaretoken": csrf_token_of(outsider)},
    )
    assert response.status_code == 404
