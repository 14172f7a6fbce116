"""The campaign admin: a list people can scan, and pause/resume actions through the services."""

from __future__ import annotations

import pytest
from django.test import Client

from audit.models import AuditLog
from campaigns.models import Campaign
from tests import factories
from tests.meta_events import apply_status

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/campaigns/campaign/"


@pytest.fixture
def admin_site_client(super_admin) -> Client:
    client = Client()
    client.force_login(super_admin)
    return client


@pytest.fixture
def template(phone_number):
    return factories.WhatsAppTemplateFactory(phone_number=phone_number, name="order_update")


def test_changelist_shows_status_badge_template_and_pause_reason(admin_site_client, template):
    factories.CampaignFactory(template=template, name="Black Friday")
    apply_status(template, "PAUSED", reason="SCAM")

    response = admin_site_client.get(CHANGELIST)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Black Friday" in page
    assert '<span class="health-badge health-badge--warn">Paused</span>' in page
    assert "order_update (en_US)" in page
    assert "Template order_update (en_US): Paused by Meta: scam" in page


def test_changelist_filters_by_status(admin_site_client, template):
    factories.CampaignFactory(template=template, name="Running one")
    factories.CampaignFactory(template=template, name="Draft one", status=Campaign.Status.DRAFT)

    page = admin_site_client.get(CHANGELIST, {"status__exact": "DRAFT"}).content.decode()

    assert "Draft one" in page and "Running one" not in page


def test_pause_action_pauses_through_the_service_and_is_audited(
    admin_site_client, template, super_admin
):
    campaigns = factories.CampaignFactory.create_batch(2, template=template)

    response = admin_site_client.post(
        CHANGELIST,
        {"action": "pause_selected", "_selected_action": [str(c.pk) for c in campaigns]},
    )

    assert response.status_code == 302
    assert set(Campaign.objects.values_list("status", flat=True)) == {"PAUSED"}
    entries = AuditLog.objects.filter(action="campaign.paused")
    assert entries.count() == 2
    assert {(e.actor_type, e.actor_id) for e in entries} == {("user", super_admin.pk)}


def test_resume_action_is_refused_while_the_template_is_blocked(admin_site_client, template):
    campaign = factories.CampaignFactory(template=template)
    apply_status(template, "PAUSED")

    response = admin_site_client.post(
        CHANGELIST,
        {"action": "resume_selected", "_selected_action": [str(campaign.pk)]},
        follow=True,
    )

    assert "order_update (en_US) is PAUSED" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PAUSED


def test_resume_action_resumes_once_the_template_is_sendable(
    admin_site_client, template, super_admin
):
    campaign = factories.CampaignFactory(template=template, status=Campaign.Status.SCHEDULED)
    apply_status(template, "PAUSED")
    apply_status(template, "REINSTATED")

    admin_site_client.post(
        CHANGELIST, {"action": "resume_selected", "_selected_action": [str(campaign.pk)]}
    )

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SCHEDULED
    entry = AuditLog.objects.get(action="campaign.resumed")
    assert (entry.actor_type, entry.actor_id) == ("user", super_admin.pk)


def test_add_form_refuses_a_sending_status_on_a_blocked_template(admin_site_client, template):
    apply_status(template, "DISABLED")

    response = admin_site_client.post(
        f"{CHANGELIST}add/",
        {"name": "Spring sale", "template": str(template.pk), "status": "ACTIVE"},
    )

    assert response.status_code == 200
    assert "is DISABLED: the campaign cannot be ACTIVE" in response.content.decode()
    assert not Campaign.objects.filter(name="Spring sale").exists()


def test_add_form_creates_through_the_service_in_the_templates_organization(
    admin_site_client, template
):
    response = admin_site_client.post(
        f"{CHANGELIST}add/",
        {"name": "Spring sale", "template": str(template.pk), "status": "DRAFT"},
    )

    assert response.status_code == 302
    campaign = Campaign.objects.get(name="Spring sale")
    assert campaign.organization_id == template.organization_id
    assert campaign.status == Campaign.Status.DRAFT


@pytest.mark.parametrize("status", ["ACTIVE", "PAUSED", "CANCELLED"])
def test_change_form_cannot_change_the_status(admin_site_client, template, status):
    campaign = factories.CampaignFactory(template=template, status=Campaign.Status.DRAFT)

    response = admin_site_client.post(
        f"{CHANGELIST}{campaign.pk}/change/",
        {"name": "Renamed", "template": str(template.pk), "status": status},
    )

    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.name, campaign.status) == ("Renamed", Campaign.Status.DRAFT)
    assert not AuditLog.objects.filter(action__in=["campaign.paused", "campaign.resumed"]).exists()


def test_cancel_action_cancels_through_the_service_and_is_audited(
    admin_site_client, template, super_admin
):
    active = factories.CampaignFactory(template=template, status=Campaign.Status.ACTIVE)
    done = factories.CampaignFactory(template=template, status=Campaign.Status.COMPLETED)

    response = admin_site_client.post(
        CHANGELIST,
        {"action": "cancel_selected", "_selected_action": [str(active.pk), str(done.pk)]},
        follow=True,
    )

    active.refresh_from_db()
    done.refresh_from_db()
    assert (active.status, done.status) == (Campaign.Status.CANCELLED, Campaign.Status.COMPLETED)
    page = response.content.decode()
    assert "1 campaign(s) cancelled." in page
    assert f"Campaign {done.name} is completed: it cannot be cancelled." in page
    entry = AuditLog.objects.get(action="campaign.cancelled")
    assert (entry.target_id, entry.actor_id) == (str(active.pk), super_admin.pk)
    assert entry.changes == {"status": ["ACTIVE", "CANCELLED"]}


def test_a_cancelled_campaign_is_not_resumed_by_its_template(admin_site_client, template):
    campaign = factories.CampaignFactory(
        template=template, status=Campaign.Status.ACTIVE, auto_resume=True
    )
    apply_status(template, "PAUSED")
    admin_site_client.post(
        CHANGELIST, {"action": "cancel_selected", "_selected_action": [str(campaign.pk)]}
    )

    apply_status(template, "REINSTATED")

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.CANCELLED


def test_bulk_delete_soft_deletes_and_audits_each_campaign(
    admin_site_client, template, super_admin
):
    first, second = factories.CampaignFactory.create_batch(2, template=template)

    response = admin_site_client.post(
        CHANGELIST,
        {
            "action": "delete_selected",
            "_selected_action": [str(first.pk), str(second.pk)],
            "post": "yes",
        },
    )

    assert response.status_code == 302
    assert (
        Campaign.objects.filter(pk__in=[first.pk, second.pk], deleted_at__isnull=False).count() == 2
    )
    entries = AuditLog.objects.filter(action="campaign.deleted")
    assert {(e.target_id, e.actor_id) for e in entries} == {
        (str(first.pk), super_admin.pk),
        (str(second.pk), super_admin.pk),
    }
    assert first.name not in admin_site_client.get(CHANGELIST).content.decode()
