"""/dashboard/: what a logged-in person of an organization sees, and nothing of another's."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from alerts.models import Alert
from campaigns.models import Campaign
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_browser(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


@pytest.fixture
def disabled_template(phone_number):
    return factories.WhatsAppTemplateFactory(
        phone_number=phone_number,
        name="spring_sale",
        status="DISABLED",
        quality_score="RED",
        disabled_reason="SCAM",
    )


def test_anonymous_visitor_is_sent_to_the_login_page():
    response = Client().get("/dashboard/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/dashboard/")


def test_site_root_leads_to_the_dashboard():
    response = Client().get("/")

    assert response.status_code == 302 and response["Location"] == "/dashboard/"


def test_person_logs_in_on_the_login_page_and_lands_on_the_dashboard(member):
    client = Client()

    response = client.post(
        "/accounts/login/", {"username": member.username, "password": "correct-horse-battery"}
    )

    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


def test_templates_show_status_and_quality_in_words_and_the_reason(
    member_browser, disabled_template
):
    page = member_browser.get("/dashboard/").content.decode()

    assert "spring_sale" in page
    assert 'class="badge badge--bad" data-badge="status">Disabled</span>' in page
    assert ">Quality low (red)</span>" in page
    assert "Disabled by Meta: scam" in page
    assert "NONE" not in page


def test_another_organizations_templates_alerts_and_campaigns_are_not_shown(
    member_browser, other_phone_number
):
    theirs = factories.WhatsAppTemplateFactory(phone_number=other_phone_number, name="not_ours")
    factories.AlertFactory(template=theirs, title="Their alert")
    factories.CampaignFactory(template=theirs, name="Their campaign", status="PAUSED")

    page = member_browser.get("/dashboard/").content.decode()

    assert "not_ours" not in page and "Their alert" not in page and "Their campaign" not in page


def test_open_alert_has_an_acknowledge_button_and_an_acknowledged_one_says_by_whom(
    disabled_template, org_admin
):
    admin_browser = Client()
    admin_browser.force_login(org_admin)
    factories.AlertFactory(
        template=disabled_template, kind="TEMPLATE_DISABLED", title="spring_sale was disabled"
    )
    factories.AlertFactory(
        template=disabled_template,
        kind="TEMPLATE_QUALITY_RED",
        title="spring_sale quality is low",
        status=Alert.Status.ACKNOWLEDGED,
        acknowledged_by=org_admin,
        acknowledged_at=timezone.now(),
    )
    factories.AlertFactory(
        template=disabled_template, title="An old resolved one", status=Alert.Status.RESOLVED
    )

    page = admin_browser.get("/dashboard/sections/alerts/").content.decode()

    assert "spring_sale was disabled" in page
    assert page.count('<button type="button" class="acknowledge"') == 1
    assert f"Acknowledged by {org_admin.username}" in page
    assert "An old resolved one" not in page


def test_paused_campaigns_are_listed_with_their_reason(member_browser, disabled_template):
    factories.CampaignFactory(
        template=disabled_template,
        name="Spring blast",
        status=Campaign.Status.PAUSED,
        pause_reason="Template spring_sale (en_US): Disabled by Meta: scam",
        paused_at=timezone.now(),
    )
    factories.CampaignFactory(template=disabled_template, name="Still drafting", status="DRAFT")

    page = member_browser.get("/dashboard/sections/campaigns/").content.decode()
    # The paused table; every campaign has its fallback form below it.
    paused = page.split('id="fallback-choices-heading"')[0]

    assert "Spring blast" in paused and "Disabled by Meta: scam" in paused
    assert "Still drafting" not in paused


def test_unknown_section_is_a_404(member_browser):
    assert member_browser.get("/dashboard/sections/secrets/").status_code == 404


def test_super_admin_without_organization_chooses_one_then_sees_it(
    super_admin, disabled_template, organization
):
    client = Client()
    client.force_login(super_admin)

    chooser = client.get("/dashboard/").content.decode()
    page = client.get("/dashboard/", {"organization": str(organization.pk)}).content.decode()

    assert organization.name in chooser and "spring_sale" not in chooser
    assert "spring_sale" in page


def test_member_cannot_pick_another_organization(member_browser, other_phone_number):
    factories.WhatsAppTemplateFactory(phone_number=other_phone_number, name="not_ours")
    other = other_phone_number.business_account.organization

    page = member_browser.get("/dashboard/", {"organization": str(other.pk)}).content.decode()

    assert "not_ours" not in page


def test_dashboard_reads_in_a_bounded_number_of_queries(
    member_browser, phone_number, django_assert_max_num_queries
):
    for _ in range(20):
        template = factories.WhatsAppTemplateFactory(phone_number=phone_number)
        factories.AlertFactory(template=template)
        factories.CampaignFactory(template=template, status="PAUSED")

    # 10, the sending path's accounts with their numbers: 2, and the fallback forms' campaigns,
    # their fallbacks and the templates to choose from: 3.
    with django_assert_max_num_queries(15):
        response = member_browser.get("/dashboard/")

    assert response.status_code == 200


def test_critical_list_says_what_to_do_most_severe_first(member_browser, disabled_template):
    factories.WhatsAppTemplateFactory(
        phone_number=disabled_template.phone_number, name="paused_one", status="PAUSED"
    )
    factories.WhatsAppTemplateFactory(phone_number=disabled_template.phone_number, name="fine")

    page = member_browser.get("/dashboard/sections/critical/").content.decode()

    assert 'Needs attention <span class="count">(2)</span>' in page
    assert page.index("spring_sale") < page.index("paused_one")
    assert "Create a new template and move its campaigns to it" in page
    assert "fine" not in page


def test_member_sees_the_acknowledge_button_disabled_with_the_reason(
    member_browser, disabled_template, organization
):
    factories.AlertFactory(template=disabled_template, title="spring_sale was disabled")

    page = member_browser.get("/dashboard/sections/alerts/").content.decode()

    assert "spring_sale was disabled" in page
    assert "disabled>Acknowledge</button>" in page
    assert f"Only an admin of {organization.name} can do this." in page


def test_dashboard_login_is_locked_after_five_failures_like_the_admins(member):
    browser = Client()
    for _ in range(5):
        browser.post("/accounts/login/", {"username": member.username, "password": "wrong"})

    response = browser.post(
        "/accounts/login/", {"username": member.username, "password": "correct-horse-battery"}
    )

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "_auth_user_id" not in browser.session


def test_a_template_its_account_stops_leads_to_the_accounts_health(member_browser, phone_number):
    account = phone_number.business_account
    account.ban_state = "DISABLE"
    account.save(update_fields=["ban_state"])
    factories.WhatsAppTemplateFactory(phone_number=phone_number, name="welcome", status="APPROVED")
    factories.WhatsAppTemplateFactory(
        phone_number=factories.PhoneNumberFactory(
            business_account__organization=phone_number.business_account.organization
        ),
        name="order_update",
        status="PAUSED",
    )

    page = member_browser.get("/dashboard/").content.decode()

    # Only the template that cannot send through its account links to the account's health,
    # which is on the same page.
    assert page.count('<a class="account-health" href="#sending-path-heading">') == 1
    assert 'id="sending-path-heading"' in page
