"""Template health in the admin: the list, a template's page, deliveries and the health page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from audit.models import AuditLog
from campaigns.models import Campaign
from templates_app.meta import encode, status_update_body
from templates_app.models import SyncRun, WebhookDelivery
from templates_app.services import accounts, deliveries
from tests import factories
from tests.meta_events import apply_status

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/templates_app/whatsapptemplate/"


@pytest.fixture
def site(super_admin) -> Client:
    client = Client()
    client.force_login(super_admin)
    return client


@pytest.fixture
def templates(phone_number):
    make = factories.WhatsAppTemplateFactory
    return {
        "healthy": make(phone_number=phone_number, name="a_healthy"),
        "red": make(phone_number=phone_number, name="b_red", quality_score="RED"),
        "paused": make(phone_number=phone_number, name="c_paused", status="PAUSED"),
        "disabled": make(
            phone_number=phone_number, name="d_disabled", status="DISABLED", disabled_reason="SCAM"
        ),
    }


def names_in_order(page: str, names) -> list[str]:
    return sorted(names, key=page.index)


def test_first_visit_shows_what_needs_attention_then_the_filter_can_be_cleared(site, templates):
    first = site.get(CHANGELIST)
    assert first.status_code == 302 and first["Location"].endswith("?attention=yes")

    filtered = site.get(first["Location"]).content.decode()
    everything = site.get(CHANGELIST).content.decode()

    assert "a_healthy" not in filtered and "d_disabled" in filtered
    assert "a_healthy" in everything


def test_first_visit_shows_everything_when_nothing_needs_attention(site, phone_number):
    factories.WhatsAppTemplateFactory(phone_number=phone_number, name="all_is_well")

    response = site.get(CHANGELIST)

    assert response.status_code == 200 and "all_is_well" in response.content.decode()


def test_list_puts_the_most_severe_first_with_badges_in_words_and_the_reason(site, templates):
    site.get(CHANGELIST)  # the first visit

    page = site.get(CHANGELIST).content.decode()

    order = names_in_order(page, ["a_healthy", "b_red", "c_paused", "d_disabled"])
    assert order == ["d_disabled", "b_red", "c_paused", "a_healthy"]
    assert 'health-badge--bad">Disabled</span>' in page
    assert 'health-badge--bad">Quality low (red)</span>' in page
    assert "Disabled by Meta: scam" in page
    assert "NONE" not in page.split('id="result_list"')[1]


def test_campaigns_affected_links_to_that_templates_campaigns(site, templates):
    disabled = templates["disabled"]
    factories.CampaignFactory(
        template=disabled, name="Paused by Meta", status="PAUSED", paused_by_template=True
    )
    factories.CampaignFactory(template=templates["healthy"], name="Someone else's")
    page = site.get(CHANGELIST, {"q": "d_disabled"}).content.decode()

    link = re.search(r'<a href="([^"]+)">1</a>', page).group(1).replace("&amp;", "&")
    campaigns = site.get(link)

    assert campaigns.status_code == 200
    assert "Paused by Meta" in campaigns.content.decode()
    assert "Someone else" not in campaigns.content.decode()


def test_search_finds_a_template_by_meta_id(site, templates):
    meta_id = templates["red"].meta_template_id

    page = site.get(CHANGELIST, {"q": meta_id}).content.decode()

    assert "b_red" in page and "d_disabled" not in page


def test_organization_filter_is_for_superusers_only(
    site, templates, organization, other_organization
):
    staff = factories.OrgAdminFactory(organization=organization, is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_whatsapptemplate"))
    staff_client = Client()
    staff_client.force_login(staff)

    as_superuser = site.get(CHANGELIST, {"q": ""}).content.decode()
    as_staff = staff_client.get(CHANGELIST, {"q": ""}).content.decode()

    assert "By organization" in as_superuser
    assert "By organization" not in as_staff and "d_disabled" in as_staff


def test_template_page_shows_summary_history_campaigns_and_alerts(site, templates):
    template = templates["healthy"]
    factories.CampaignFactory(template=template, name="Order notes")
    factories.AlertFactory(template=template, title="order quality is low")
    for event in ("PAUSED", "REINSTATED", "DISABLED"):
        apply_status(template, event, reason="SCAM")
    template.refresh_from_db()

    page = site.get(f"{CHANGELIST}{template.pk}/change/").content.decode()

    assert "Disabled by Meta: scam" in page
    assert "Create a new template and move its campaigns to it" in page
    assert "Order notes" in page and "order quality is low" in page
    history = page[page.index('id="template-history"') :]
    assert history.index("Approved → Disabled") < history.index("Paused → Approved")


def test_status_history_is_paginated_newest_first(site, templates):
    template = templates["healthy"]
    for day in range(12):
        factories.AuditLogFactory(
            organization=template.organization,
            target_id=str(template.pk),
            event_at=timezone.now() - timedelta(days=day),
            reason=f"Change {day}",
        )

    first = site.get(f"{CHANGELIST}{template.pk}/change/").content.decode()
    second = site.get(f"{CHANGELIST}{template.pk}/change/", {"history": 2}).content.decode()

    assert "Change 0" in first and "Change 9" in first and "Change 10" not in first
    assert "Change 11" in second and "Page 2 of 2" in second


def test_pause_button_pauses_the_templates_campaigns_through_the_service(site, templates):
    template = templates["healthy"]
    campaign = factories.CampaignFactory(template=template)

    response = site.post(f"{CHANGELIST}{template.pk}/campaigns/pause/")

    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PAUSED
    assert AuditLog.objects.filter(action="campaign.paused", target_id=str(campaign.pk)).exists()


def test_health_page_counts_and_lists_the_critical_templates(site, templates, organization):
    page = site.get(
        "/admin/templates_app/whatsapptemplate/health/", {"organization": organization.pk}
    ).content.decode()

    assert "4 templates" in page
    critical = page[page.index('id="critical"') :]
    assert names_in_order(critical, ["b_red", "c_paused", "d_disabled"]) == [
        "d_disabled",
        "b_red",
        "c_paused",
    ]
    assert "a_healthy" not in critical


@pytest.fixture
def delivery(templates, webhook_settings):
    template = templates["healthy"]
    factories.CampaignFactory(template=template, name="Sent every day")
    body = encode(
        status_update_body(
            event="DISABLED",
            reason="SCAM",
            waba_id=template.business_account.waba_id,
            template_id=template.meta_template_id,
            name=template.name,
            language=template.language,
            occurred_at=int(timezone.now().timestamp()),
        )
    )
    stored, _ = deliveries.store_delivery(body=body, headers={})
    return deliveries.process_delivery(delivery=stored)


def test_delivery_list_names_its_templates_and_outcomes(site, delivery):
    page = site.get("/admin/templates_app/webhookdelivery/").content.decode()

    assert "a_healthy (en_US)" in page
    assert "1 applied" in page


def test_delivery_page_pretty_prints_the_body_and_links_what_it_touched(site, delivery):
    page = site.get(f"/admin/templates_app/webhookdelivery/{delivery.pk}/change/").content.decode()

    assert "\n  &quot;object&quot;: &quot;whatsapp_business_account&quot;" in page
    assert ">a_healthy (en_US)</a>" in page
    assert ">Sent every day</a>" in page
    assert ">Reprocess</button>" in page
    assert "Attempt 1" in page


def test_reprocess_button_applies_the_delivery_again(site, delivery):
    response = site.post(f"/admin/templates_app/webhookdelivery/{delivery.pk}/reprocess/")

    assert response.status_code == 302
    assert WebhookDelivery.objects.get(pk=delivery.pk).attempts == 2


def test_open_alerts_links_to_that_templates_unresolved_alerts(site, templates):
    disabled = templates["disabled"]
    factories.AlertFactory(template=disabled, title="Disabled by Meta")
    factories.AlertFactory(template=disabled, title="Long ago", status="RESOLVED")
    page = site.get(CHANGELIST, {"q": "d_disabled"}).content.decode()

    link = re.search(r'href="(/admin/alerts/alert/[^"]+)">1</a>', page).group(1)
    alerts = site.get(link.replace("&amp;", "&"))

    assert alerts.status_code == 200
    assert alerts.content.decode().count('class="action-select"') == 1


def test_staff_who_may_only_view_templates_open_a_templates_page(templates, organization):
    viewer = factories.OrgAdminFactory(organization=organization, is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_whatsapptemplate"))
    client = Client()
    client.force_login(viewer)

    response = client.get(f"{CHANGELIST}{templates['disabled'].pk}/change/")

    assert response.status_code == 200
    assert "Disabled by Meta: scam" in response.content.decode()


def test_acknowledge_button_on_a_templates_page_acknowledges_through_the_service(
    templates, organization
):
    admin_user = factories.OrgAdminFactory(organization=organization, is_staff=True)
    admin_user.user_permissions.add(Permission.objects.get(codename="view_whatsapptemplate"))
    client = Client()
    client.force_login(admin_user)
    template = templates["disabled"]
    alert = factories.AlertFactory(template=template, title="d_disabled was disabled")
    page = f"{CHANGELIST}{template.pk}/change/"
    assert ">Acknowledge</button>" in client.get(page).content.decode()

    response = client.post(f"{CHANGELIST}{template.pk}/alerts/{alert.pk}/acknowledge/", follow=True)

    alert.refresh_from_db()
    assert alert.status == "ACKNOWLEDGED" and alert.acknowledged_by == admin_user
    assert "Acknowledged: d_disabled was disabled" in response.content.decode()
    assert f"Acknowledged by {admin_user.username}" in response.content.decode()
    assert AuditLog.objects.filter(action="alert.acknowledged", target_id=str(alert.pk)).exists()


def test_member_on_the_staff_cannot_acknowledge_from_a_templates_page(templates, organization):
    viewer = factories.UserFactory(organization=organization, is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_whatsapptemplate"))
    client = Client()
    client.force_login(viewer)
    template = templates["disabled"]
    alert = factories.AlertFactory(template=template)

    html = client.get(f"{CHANGELIST}{template.pk}/change/").content.decode()
    # The button is there, disabled, with the reason beside it: no form to post.
    assert 'disabled aria-describedby="alert-' in html
    assert "Only an organization admin may acknowledge its alerts." in html
    assert "/acknowledge/" not in html
    # Sync from Meta too: shown, disabled, and the reason in words; no form posts it.
    assert 'disabled aria-describedby="template-actions-refusal">Sync from Meta</button>' in html
    assert "Only an organization admin may sync with Meta or unpause a template." in html
    assert f"{template.pk}/sync/" not in html
    client.post(f"{CHANGELIST}{template.pk}/alerts/{alert.pk}/acknowledge/")

    alert.refresh_from_db()
    assert alert.status == "OPEN"


def test_health_page_lists_failed_notifications(site, templates, organization):
    channel = factories.NotificationChannelFactory(organization=organization, name="Ops e-mail")
    factories.NotificationDeliveryFactory(
        channel=channel, status="failed", attempts=5, last_error="SMTP refused"
    )

    page = site.get(
        "/admin/templates_app/whatsapptemplate/health/", {"organization": organization.pk}
    ).content.decode()

    assert "Ops e-mail" in page and "failed for good after 5 attempts" in page
    assert "SMTP refused" in page


def test_sync_button_asks_meta_through_the_sync_service(site, templates):
    template = templates["disabled"]
    accounts.store_access_token(account=template.business_account, access_token="meta-token")

    response = site.post(f"{CHANGELIST}{template.pk}/sync/", follow=True)

    run = SyncRun.objects.get(business_account=template.business_account)
    assert f"Sync {run.pk} of {template.business_account} asked of Meta" in (
        response.content.decode()
    )


def test_sync_button_says_why_an_account_cannot_sync(site, templates):
    template = templates["disabled"]

    response = site.post(f"{CHANGELIST}{template.pk}/sync/", follow=True)

    assert not SyncRun.objects.exists()
    assert 'class="warning"' in response.content.decode()
