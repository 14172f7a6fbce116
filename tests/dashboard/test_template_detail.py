"""/dashboard/templates/<id>/: one template's health, campaigns and open alerts, for the people of
its organization only; and the links of the dashboard's rows that lead there."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from campaigns.models import Campaign
from tests import factories

pytestmark = pytest.mark.django_db


def browser_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def disabled_template(phone_number):
    return factories.WhatsAppTemplateFactory(
        phone_number=phone_number, name="spring_sale", status="DISABLED", disabled_reason="SCAM"
    )


def test_member_reads_the_templates_status_why_what_to_do_campaigns_and_alerts(
    member, disabled_template
):
    campaign = factories.CampaignFactory(
        template=disabled_template,
        name="Spring blast",
        status=Campaign.Status.PAUSED,
        pause_reason="Template spring_sale was disabled.",
    )
    alert = factories.AlertFactory(template=disabled_template, title="spring_sale was disabled")

    response = browser_of(member).get(f"/dashboard/templates/{disabled_template.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "spring_sale" in page and 'data-badge="status">Disabled<' in page
    assert "Create a new template and move its campaigns to it" in page
    assert f'id="campaign-{campaign.pk}"' in page and "Spring blast" in page
    assert f'id="alert-{alert.pk}"' in page and "spring_sale was disabled" in page


def test_another_organizations_template_is_not_found(member, other_phone_number):
    theirs = factories.WhatsAppTemplateFactory(phone_number=other_phone_number, name="secret")

    response = browser_of(member).get(f"/dashboard/templates/{theirs.pk}/")

    assert response.status_code == 404
    assert b"secret" not in response.content


def test_an_unknown_template_is_not_found(member):
    response = browser_of(member).get("/dashboard/templates/00000000-0000-0000-0000-000000000000/")

    assert response.status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(disabled_template):
    response = Client().get(f"/dashboard/templates/{disabled_template.pk}/")

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_member_rows_link_to_the_dashboards_template_page_and_each_link_answers(
    member, disabled_template
):
    factories.CampaignFactory(
        template=disabled_template, status=Campaign.Status.PAUSED, paused_by_template=True
    )
    factories.AlertFactory(template=disabled_template)
    browser = browser_of(member)

    page = browser.get("/dashboard/").content.decode()

    links = set(re.findall(r'href="(/dashboard/templates/[^"#]+)', page))
    assert links == {f"/dashboard/templates/{disabled_template.pk}/"}
    assert f"/dashboard/templates/{disabled_template.pk}/#campaigns" in page
    assert all(browser.get(link).status_code == 200 for link in links)


def test_staff_who_may_view_in_the_admin_are_linked_to_the_admins_pages(
    organization, disabled_template
):
    staff = factories.UserFactory(organization=organization, is_staff=True)
    staff.user_permissions.set(
        Permission.objects.filter(
            codename__in=["view_whatsapptemplate", "view_campaign", "view_alert"]
        )
    )
    campaign = factories.CampaignFactory(template=disabled_template, status=Campaign.Status.PAUSED)
    alert = factories.AlertFactory(template=disabled_template)
    browser = browser_of(staff)

    page = browser.get("/dashboard/").content.decode()

    admin_links = [
        f"/admin/templates_app/whatsapptemplate/{disabled_template.pk}/change/",
        f"/admin/campaigns/campaign/{campaign.pk}/change/",
        f"/admin/alerts/alert/{alert.pk}/change/",
    ]
    for link in admin_links:
        assert f'href="{link}' in page
        assert browser.get(link).status_code == 200
    assert "/dashboard/templates/" not in page
