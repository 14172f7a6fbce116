from __future__ import annotations

import threading
import time
import uuid

import pytest
from django.db import connections, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from campaigns.models import Campaign
from templates_app.models import BLOCKED_STATUSES, TemplateStatus, WhatsAppTemplate
from tests import factories

pytestmark = pytest.mark.django_db

CAMPAIGNS_URL = "/api/v1/campaigns/"


def campaign_url(campaign_id) -> str:
    return f"{CAMPAIGNS_URL}{campaign_id}/"


@pytest.fixture
def template(phone_number):
    return factories.WhatsAppTemplateFactory(phone_number=phone_number, name="order_update")


def campaign_body(template, **overrides) -> dict:
    return {"name": "Order notifications", "template": str(template.pk), **overrides}


def test_org_admin_creates_a_draft_campaign_by_default(admin_client, template):
    response = admin_client.post(CAMPAIGNS_URL, campaign_body(template), format="json")

    assert response.status_code == 201
    campaign = Campaign.objects.get()
    body = response.json()
    assert body["id"] == str(campaign.pk)
    assert body["name"] == "Order notifications"
    assert body["template"] == str(template.pk)
    assert body["template_name"] == "order_update"
    assert body["template_status"] == "APPROVED"
    assert body["status"] == "DRAFT"
    assert body["auto_resume"] is False
    assert campaign.organization_id == template.organization_id


@pytest.mark.parametrize("status", ["DRAFT", "SCHEDULED", "ACTIVE"])
def test_org_admin_creates_a_campaign_in_each_allowed_status(admin_client, template, status):
    response = admin_client.post(
        CAMPAIGNS_URL, campaign_body(template, status=status, auto_resume=True), format="json"
    )

    assert response.status_code == 201
    assert response.json()["status"] == status
    campaign = Campaign.objects.get()
    assert campaign.status == status
    assert campaign.auto_resume is True


@pytest.mark.parametrize("status", ["PAUSED", "COMPLETED", "CANCELLED", "RUNNING"])
def test_campaign_cannot_be_created_in_other_statuses(admin_client, template, status):
    response = admin_client.post(
        CAMPAIGNS_URL, campaign_body(template, status=status), format="json"
    )

    assert response.status_code == 400
    assert "status" in response.json()
    assert not Campaign.objects.exists()


def test_campaign_on_another_organizations_template_is_a_400(admin_client, other_phone_number):
    foreign = factories.WhatsAppTemplateFactory(phone_number=other_phone_number)

    response = admin_client.post(CAMPAIGNS_URL, campaign_body(foreign), format="json")

    assert response.status_code == 400
    assert "template" in response.json()
    assert not Campaign.objects.exists()


def test_campaign_on_a_deleted_template_is_a_400(admin_client, phone_number):
    deleted = factories.WhatsAppTemplateFactory(
        phone_number=phone_number, deleted_at=timezone.now()
    )

    response = admin_client.post(CAMPAIGNS_URL, campaign_body(deleted), format="json")

    assert response.status_code == 400
    assert "template" in response.json()
    assert not Campaign.objects.exists()


def test_campaign_on_an_unknown_template_is_a_400(admin_client):
    response = admin_client.post(
        CAMPAIGNS_URL, {"name": "Ghost", "template": str(uuid.uuid4())}, format="json"
    )

    assert response.status_code == 400
    assert "template" in response.json()


def test_campaign_without_name_is_a_400(admin_client, template):
    response = admin_client.post(CAMPAIGNS_URL, {"template": str(template.pk)}, format="json")

    assert response.status_code == 400
    assert "name" in response.json()
    assert not Campaign.objects.exists()


@pytest.mark.parametrize("status", ["ACTIVE", "SCHEDULED"])
def test_sending_campaign_on_a_paused_template_is_refused(admin_client, phone_number, status):
    paused = factories.WhatsAppTemplateFactory(
        phone_number=phone_number, status=TemplateStatus.PAUSED
    )

    response = admin_client.post(CAMPAIGNS_URL, campaign_body(paused, status=status), format="json")

    assert response.status_code == 400
    body = response.json()
    assert "PAUSED" in body["detail"]
    assert body["template"] == str(paused.pk)
    assert body["template_status"] == "PAUSED"
    assert not Campaign.objects.exists()


@pytest.mark.parametrize("blocked_status", sorted(BLOCKED_STATUSES))
def test_active_campaign_on_any_blocked_template_is_refused(
    admin_client, phone_number, blocked_status
):
    blocked = factories.WhatsAppTemplateFactory(phone_number=phone_number, status=blocked_status)

    response = admin_client.post(
        CAMPAIGNS_URL, campaign_body(blocked, status="ACTIVE"), format="json"
    )

    assert response.status_code == 400
    assert not Campaign.objects.exists()


def test_draft_campaign_on_a_paused_template_is_allowed(admin_client, phone_number):
    paused = factories.WhatsAppTemplateFactory(
        phone_number=phone_number, status=TemplateStatus.PAUSED
    )

    response = admin_client.post(
        CAMPAIGNS_URL, campaign_body(paused, status="DRAFT"), format="json"
    )

    assert response.status_code == 201
    assert response.json()["template_status"] == "PAUSED"
    assert Campaign.objects.get().status == Campaign.Status.DRAFT


def test_active_campaign_on_a_flagged_template_is_allowed(admin_client, phone_number):
    flagged = factories.WhatsAppTemplateFactory(
        phone_number=phone_number, status=TemplateStatus.FLAGGED
    )

    response = admin_client.post(
        CAMPAIGNS_URL, campaign_body(flagged, status="ACTIVE"), format="json"
    )

    assert response.status_code == 201


def test_member_cannot_create_a_campaign(member_client, template):
    response = member_client.post(CAMPAIGNS_URL, campaign_body(template), format="json")

    assert response.status_code == 403
    assert "detail" in response.json()
    assert not Campaign.objects.exists()


def test_unauthenticated_campaign_creation_gets_401(api_client, template):
    response = api_client.post(CAMPAIGNS_URL, campaign_body(template), format="json")

    assert response.status_code == 401
    assert not Campaign.objects.exists()


def test_unauthenticated_campaign_list_gets_401(api_client):
    response = api_client.get(CAMPAIGNS_URL)

    assert response.status_code == 401
    assert "detail" in response.json()


def test_member_lists_only_their_organizations_campaigns(
    member_client, template, other_phone_number
):
    own = factories.CampaignFactory(template=template)
    factories.CampaignFactory(template__phone_number=other_phone_number)

    response = member_client.get(CAMPAIGNS_URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1
    assert body["results"][0]["id"] == str(own.pk)
    assert body["results"][0]["template_name"] == "order_update"


def test_deleted_campaigns_are_not_listed(member_client, template):
    factories.CampaignFactory(template=template, deleted_at=timezone.now())

    assert member_client.get(CAMPAIGNS_URL).json()["count"] == 0


def test_campaign_list_is_paginated(member_client, template):
    factories.CampaignFactory.create_batch(3, template=template)

    body = member_client.get(CAMPAIGNS_URL, {"page_size": 2}).json()

    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert "page=2" in body["next"]


def test_member_reads_a_campaign(member_client, template):
    campaign = factories.CampaignFactory(template=template, name="Shipping reminders")

    response = member_client.get(campaign_url(campaign.pk))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(campaign.pk)
    assert body["name"] == "Shipping reminders"
    assert body["status"] == "ACTIVE"
    assert body["template"] == str(template.pk)


def test_campaign_of_another_organization_is_a_404(admin_client, other_phone_number):
    foreign = factories.CampaignFactory(template__phone_number=other_phone_number)

    response = admin_client.get(campaign_url(foreign.pk))

    assert response.status_code == 404
    assert "detail" in response.json()


def test_unknown_campaign_is_a_404(member_client):
    assert member_client.get(campaign_url(uuid.uuid4())).status_code == 404


def test_unauthenticated_campaign_detail_gets_401(api_client, template):
    campaign = factories.CampaignFactory(template=template)

    assert api_client.get(campaign_url(campaign.pk)).status_code == 401


def test_malformed_campaign_id_is_a_json_404(member_client):
    response = member_client.get(campaign_url("123"))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_active_campaign_waits_for_a_concurrent_pause_of_its_template_and_is_refused():
    template = factories.WhatsAppTemplateFactory()
    admin = factories.OrgAdminFactory(organization=template.organization)
    client = APIClient()
    client.force_authenticate(admin)
    locked = threading.Event()

    def meta_pauses_the_template() -> None:
        try:
            with transaction.atomic():
                row = WhatsAppTemplate.objects.select_for_update().get(pk=template.pk)
                row.status = TemplateStatus.PAUSED
                row.save(update_fields=["status"])
                locked.set()
                time.sleep(0.5)  # the campaign request arrives while the pause is uncommitted
        finally:
            connections.close_all()

    pauser = threading.Thread(target=meta_pauses_the_template)
    pauser.start()
    assert locked.wait(timeout=10)
    response = client.post(CAMPAIGNS_URL, campaign_body(template, status="ACTIVE"), format="json")
    pauser.join()

    assert response.status_code == 400
    assert response.json()["template_status"] == "PAUSED"
    assert not Campaign.objects.exists()
