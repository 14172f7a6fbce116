"""What the audit trail records, with the right actor and values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from audit.models import AuditLog
from campaigns import services as campaign_services
from campaigns.models import Campaign
from templates_app.meta import status_update_body
from templates_app.models import TemplateStatus, WebhookDelivery
from tests import factories
from tests.meta_events import apply, apply_status, quality_update, status_update
from tests.webhooks import signed_post

pytestmark = pytest.mark.django_db

AT = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)


@pytest.fixture
def template(phone_number):
    return factories.WhatsAppTemplateFactory(
        phone_number=phone_number, name="order_update", quality_score="GREEN"
    )


def test_template_status_change_records_values_event_reason_time_and_delivery(template):
    delivery = factories.WebhookDeliveryFactory()

    apply(
        status_update(template, "DISABLED", reason="QUALITY_ISSUES", occurred_at=AT),
        delivery=delivery,
    )

    entry = AuditLog.objects.get(action="template.status_changed")
    assert entry.organization_id == template.organization_id
    assert (entry.actor_type, entry.actor_id) == ("meta", None)
    assert (entry.target_type, entry.target_id) == ("template", str(template.pk))
    assert entry.target_name == "order_update (en_US)"
    assert entry.changes == {
        "event": "DISABLED",
        "status": ["APPROVED", "DISABLED"],
        "quality_score": "GREEN",
    }
    assert entry.reason == "Disabled by Meta: quality issues"
    assert entry.event_at == AT
    assert entry.delivery_id == delivery.pk


def test_event_without_metas_time_is_dated_by_its_delivery_everywhere(
    template, client, webhook_settings
):
    campaign = factories.CampaignFactory(template=template, status="ACTIVE")
    body = status_update_body(
        waba_id=template.business_account.waba_id,
        event="PAUSED",
        template_id=template.meta_template_id,
        name=template.name,
        language=template.language,
        occurred_at=None,  # like the seed's bodies: no entry.time
    )

    assert signed_post(client, body).status_code == 200

    received_at = WebhookDelivery.objects.get().received_at
    template.refresh_from_db()
    assert template.status_event_at == received_at
    template_entry = AuditLog.objects.get(action="template.status_changed")
    campaign_entry = AuditLog.objects.get(action="campaign.paused", target_id=str(campaign.pk))
    assert template_entry.event_at == campaign_entry.event_at == received_at


def test_template_quality_change_records_previous_and_new_quality(template):
    delivery = factories.WebhookDeliveryFactory()

    apply(quality_update(template, "RED", occurred_at=AT), delivery=delivery)

    entry = AuditLog.objects.get(action="template.quality_changed")
    assert entry.actor_type == "meta"
    assert entry.changes == {
        "event": "QUALITY_CHANGE",
        "quality_score": ["GREEN", "RED"],
        "status": "APPROVED",
    }
    assert (entry.event_at, entry.delivery_id) == (AT, delivery.pk)


def test_unchanged_status_records_nothing(template):
    apply_status(template, "APPROVED")

    assert not AuditLog.objects.exists()


def test_pause_of_n_campaigns_by_one_event_writes_n_entries_in_one_insert(template):
    campaigns = factories.CampaignFactory.create_batch(3, template=template)
    scheduled = factories.CampaignFactory(template=template, status=Campaign.Status.SCHEDULED)
    factories.CampaignFactory(template=template, status=Campaign.Status.DRAFT)
    delivery = factories.WebhookDeliveryFactory()
    paused = status_update(template, "PAUSED", reason="SCAM", occurred_at=AT)

    with CaptureQueriesContext(connection) as queries:
        apply(paused, delivery=delivery)

    inserts = [q for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "audit_')]
    assert len(inserts) <= 1  # the campaigns' entries and the template's own, together
    entries = AuditLog.objects.filter(action="campaign.paused")
    assert {e.target_id for e in entries} == {str(c.pk) for c in [*campaigns, scheduled]}
    by_target = {e.target_id: e for e in entries}
    entry = by_target[str(scheduled.pk)]
    assert (entry.actor_type, entry.actor_id) == ("meta", None)
    assert entry.organization_id == template.organization_id
    assert (entry.target_type, entry.target_name) == ("campaign", scheduled.name)
    assert entry.changes == {"event": "PAUSED", "status": ["SCHEDULED", "PAUSED"]}
    assert entry.reason == "Template order_update (en_US): Paused by Meta: scam"
    assert (entry.event_at, entry.delivery_id) == (AT, delivery.pk)
    assert by_target[str(campaigns[0].pk)].changes["status"] == ["ACTIVE", "PAUSED"]


# However many campaigns move, their entries read the same.
@pytest.mark.parametrize("count", [3, 201], ids=["few", "many"])
def test_campaign_entries_read_the_same_however_many_campaigns_move(template, count):
    factories.campaigns_in_bulk(
        template,
        count,
        statuses=(Campaign.Status.ACTIVE, Campaign.Status.SCHEDULED),
        auto_resume=True,
    )
    delivery = factories.WebhookDeliveryFactory()
    apply(status_update(template, "PAUSED", occurred_at=AT), delivery=delivery)
    apply(status_update(template, "REINSTATED", occurred_at=AT + timedelta(hours=1)))

    campaigns = {str(c.pk): c.name for c in Campaign.objects.all()}
    for action, event, at, delivery_id in [
        ("campaign.paused", "PAUSED", AT, delivery.pk),
        ("campaign.resumed", "REINSTATED", AT + timedelta(hours=1), None),
    ]:
        entries = AuditLog.objects.filter(action=action)
        assert {e.target_id: e.target_name for e in entries} == campaigns
        for entry in entries:
            assert (entry.actor_type, entry.actor_id) == ("meta", None)
            assert (entry.organization_id, entry.target_type) == (
                template.organization_id,
                "campaign",
            )
            assert (entry.event_at, entry.delivery_id) == (at, delivery_id)
            assert entry.changes["event"] == event
    by_name = {c.name: c for c in Campaign.objects.all()}
    for entry in AuditLog.objects.filter(action="campaign.paused"):
        before = "SCHEDULED" if int(entry.target_name.split()[-1]) % 2 else "ACTIVE"
        assert entry.changes["status"] == [before, "PAUSED"]
        assert entry.reason == "Template order_update (en_US): Paused by Meta"
    for entry in AuditLog.objects.filter(action="campaign.resumed"):
        assert entry.changes["status"] == ["PAUSED", by_name[entry.target_name].status]
        assert entry.reason == "Template order_update (en_US): Reinstated by Meta"


def test_meta_resume_records_one_entry_per_resumed_campaign(template):
    resumed = factories.CampaignFactory(template=template, auto_resume=True)
    waiting = factories.CampaignFactory(template=template, auto_resume=False)
    apply_status(template, "PAUSED", occurred_at=AT - timedelta(hours=3))

    apply(status_update(template, "REINSTATED", occurred_at=AT))

    entries = AuditLog.objects.filter(action="campaign.resumed")
    assert [e.target_id for e in entries] == [str(resumed.pk)]
    entry = entries.get()
    assert (entry.actor_type, entry.actor_id) == ("meta", None)
    assert entry.changes == {"event": "REINSTATED", "status": ["PAUSED", "ACTIVE"]}
    assert entry.reason == "Template order_update (en_US): Reinstated by Meta"
    assert entry.event_at == AT
    assert not AuditLog.objects.filter(action="campaign.resumed", target_id=str(waiting.pk))


def test_a_persons_pause_and_resume_are_recorded_with_the_person_and_reason(template, org_admin):
    campaign = factories.CampaignFactory(template=template, status=Campaign.Status.SCHEDULED)

    campaign_services.pause_campaign(campaign, actor=org_admin, reason="Copy review")
    campaign_services.resume_campaign(campaign, actor=org_admin)

    paused, resumed = AuditLog.objects.order_by("id")
    assert (paused.action, paused.actor_type, paused.actor_id) == (
        "campaign.paused",
        "user",
        org_admin.pk,
    )
    assert paused.changes == {"status": ["SCHEDULED", "PAUSED"]}
    assert paused.reason == "Copy review"
    assert (paused.target_id, paused.target_name) == (str(campaign.pk), campaign.name)
    assert (resumed.action, resumed.actor_type, resumed.actor_id) == (
        "campaign.resumed",
        "user",
        org_admin.pk,
    )
    assert resumed.changes == {"status": ["PAUSED", "SCHEDULED"]}


def test_a_pause_without_a_person_is_recorded_as_the_systems(template):
    campaign = factories.CampaignFactory(template=template)

    campaign_services.pause_campaign(campaign, actor=None, reason="Nightly freeze")

    entry = AuditLog.objects.get()
    assert (entry.actor_type, entry.actor_id, entry.reason) == ("system", None, "Nightly freeze")


def test_a_person_taking_over_a_template_pause_is_recorded(template, org_admin):
    campaign = factories.CampaignFactory(template=template)
    apply_status(template, "PAUSED")

    campaign_services.pause_campaign(campaign, actor=org_admin, reason="Keep it")

    entry = AuditLog.objects.filter(action="campaign.paused", actor_type="user").get()
    assert entry.changes == {"status": ["PAUSED", "PAUSED"], "paused_by_template": [True, False]}


def test_refused_resume_records_nothing(template, org_admin):
    campaign = factories.CampaignFactory(template=template)
    apply_status(template, "PAUSED")
    recorded = AuditLog.objects.count()

    with pytest.raises(Exception, match="is PAUSED"):
        campaign_services.resume_campaign(campaign, actor=org_admin)

    assert AuditLog.objects.count() == recorded


# --- changes made in the Django admin -----------------------------------------------------------


@pytest.fixture
def admin_site_client(super_admin) -> Client:
    client = Client()
    client.force_login(super_admin)
    return client


def template_form(template, **changes) -> dict:
    data = {
        "organization": str(template.organization_id),
        "business_account": str(template.business_account_id),
        "phone_number": str(template.phone_number_id),
        "meta_template_id": template.meta_template_id,
        "name": template.name,
        "language": template.language,
        "category": template.category,
        "status": template.status,
        "quality_score": template.quality_score,
        "components": "{}",
        "sent_count": "0",
        "failed_count": "0",
    }
    return {**data, **changes}


def test_template_changed_in_the_admin_is_recorded_with_the_user_and_new_values(
    admin_site_client, template, super_admin
):
    other_number = factories.PhoneNumberFactory(business_account=template.business_account)

    response = admin_site_client.post(
        f"/admin/templates_app/whatsapptemplate/{template.pk}/change/",
        template_form(template, phone_number=str(other_number.pk), status=TemplateStatus.PAUSED),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditLog.objects.get(action="template.admin_changed")
    assert (entry.actor_type, entry.actor_id) == ("user", super_admin.pk)
    assert (entry.target_type, entry.target_id) == ("template", str(template.pk))
    assert entry.organization_id == template.organization_id
    # The fields the admin's form reports changed, with their new values: Meta's status
    # is not among them, whatever was posted.
    assert entry.changes == {"fields": {"phone_number": str(other_number.pk)}}
    assert entry.reason.startswith("Changed Phone number")
    template.refresh_from_db()
    assert template.status == TemplateStatus.APPROVED


def test_campaign_added_changed_and_deleted_in_the_admin_is_recorded(
    admin_site_client, template, super_admin
):
    form = {
        "organization": str(template.organization_id),
        "name": "Spring sale",
        "template": str(template.pk),
        "status": "DRAFT",
    }
    admin_site_client.post("/admin/campaigns/campaign/add/", form)
    campaign = Campaign.objects.get(name="Spring sale")
    admin_site_client.post(
        f"/admin/campaigns/campaign/{campaign.pk}/change/", {**form, "auto_resume": "on"}
    )
    other = factories.CampaignFactory(template=template, status=Campaign.Status.DRAFT)
    admin_site_client.post(
        "/admin/campaigns/campaign/",
        {
            "action": "delete_selected",
            "_selected_action": [str(campaign.pk), str(other.pk)],
            "post": "yes",
        },
    )

    entries = list(AuditLog.objects.filter(target_type="campaign").order_by("id"))
    assert [(e.action, e.target_id) for e in entries[:2]] == [
        ("campaign.admin_added", str(campaign.pk)),
        ("campaign.admin_changed", str(campaign.pk)),
    ]
    # Recorded by the service that soft-deletes, once each, not by the admin's log.
    assert {(e.action, e.target_id) for e in entries[2:]} == {
        ("campaign.deleted", str(campaign.pk)),
        ("campaign.deleted", str(other.pk)),
    }
    assert {e.actor_id for e in entries} == {super_admin.pk}
    assert entries[0].changes["fields"]["name"] == "Spring sale"
    assert entries[1].changes == {"fields": {"auto_resume": "True"}}
    assert (
        Campaign.objects.filter(pk__in=[campaign.pk, other.pk], deleted_at__isnull=False).count()
        == 2
    )
