"""Signed deliveries through the webhook pause and resume campaigns and fill the audit trail."""

from __future__ import annotations

import pytest

from audit.models import AuditLog
from campaigns.models import Campaign
from templates_app.meta import quality_update_body
from tests import factories
from tests.webhooks import signed_post
from tests.webhooks import template_status_body as status_body

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhook_settings")]

PAUSED_AT = 1_795_000_000  # unix seconds, as Meta sends entry[].time
REINSTATED_AT = PAUSED_AT + 3 * 3600


@pytest.fixture
def template(phone_number):
    return factories.WhatsAppTemplateFactory(phone_number=phone_number, name="order_update")


def test_paused_delivery_pauses_campaigns_and_records_who_and_why(client, template):
    active = factories.CampaignFactory(template=template, status=Campaign.Status.ACTIVE)
    draft = factories.CampaignFactory(template=template, status=Campaign.Status.DRAFT)
    body = status_body(
        template,
        "PAUSED",
        PAUSED_AT,
        other_info={"title": "FIRST_PAUSE", "description": "Paused for 3 hours."},
    )

    response = signed_post(client, body)

    assert response.status_code == 200, response.content
    delivery_id = response.json()["delivery"]
    active.refresh_from_db()
    draft.refresh_from_db()
    assert (active.status, draft.status) == ("PAUSED", "DRAFT")
    assert active.pause_reason == "Template order_update (en_US): Paused for 3 hours."
    assert active.paused_by_template is True
    template_entry = AuditLog.objects.get(action="template.status_changed")
    campaign_entry = AuditLog.objects.get(action="campaign.paused")
    assert template_entry.changes["status"] == ["APPROVED", "PAUSED"]
    assert campaign_entry.target_id == str(active.pk)
    for entry in (template_entry, campaign_entry):
        assert (entry.actor_type, entry.delivery_id) == ("meta", delivery_id)
        assert int(entry.event_at.timestamp()) == PAUSED_AT


def test_reinstated_delivery_resumes_only_auto_resume_campaigns(client, template):
    auto = factories.CampaignFactory(template=template, auto_resume=True)
    manual = factories.CampaignFactory(template=template, auto_resume=False)
    signed_post(client, status_body(template, "PAUSED", PAUSED_AT))

    response = signed_post(client, status_body(template, "REINSTATED", REINSTATED_AT))

    assert response.status_code == 200
    auto.refresh_from_db()
    manual.refresh_from_db()
    assert (auto.status, manual.status) == ("ACTIVE", "PAUSED")
    assert manual.resumable is True
    resumed = AuditLog.objects.get(action="campaign.resumed")
    assert (resumed.target_id, resumed.actor_type) == (str(auto.pk), "meta")


def test_redelivered_body_pauses_and_records_once(client, template):
    factories.CampaignFactory(template=template)
    body = status_body(template, "DISABLED", PAUSED_AT, reason="QUALITY_ISSUES")

    signed_post(client, body)
    signed_post(client, body)

    assert AuditLog.objects.filter(action="campaign.paused").count() == 1
    assert AuditLog.objects.filter(action="template.status_changed").count() == 1


def test_late_paused_delivery_after_reinstatement_changes_nothing(client, template):
    campaign = factories.CampaignFactory(template=template, auto_resume=True)
    signed_post(client, status_body(template, "REINSTATED", REINSTATED_AT))

    signed_post(client, status_body(template, "PAUSED", PAUSED_AT))

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.ACTIVE
    assert not AuditLog.objects.filter(action="campaign.paused").exists()


def test_quality_delivery_is_recorded_in_the_history(client, member_client, template):
    body = quality_update_body(
        waba_id=template.business_account.waba_id,
        new_quality="RED",
        previous_quality="GREEN",
        template_id=template.meta_template_id,
        name=template.name,
        occurred_at=PAUSED_AT,
    )

    signed_post(client, body)

    history = member_client.get(
        f"/api/v1/whatsapp/{template.phone_number_id}/templates/{template.pk}/status-history"
    ).json()
    assert history["template"]["current_quality"] == "RED"
    assert [(row["event_type"], row["quality_score"]) for row in history["history"]] == [
        ("QUALITY_CHANGE", "RED")
    ]
