"""GET /api/v1/audit/: the organization's trail, for its admins."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditLog
from campaigns import services as campaign_services
from tests import factories
from tests.meta_events import apply_status

pytestmark = pytest.mark.django_db

AUDIT_URL = "/api/v1/audit/"


@pytest.fixture
def template(phone_number):
    return factories.WhatsAppTemplateFactory(phone_number=phone_number, name="order_update")


def test_org_admin_lists_the_organizations_entries_newest_first(
    admin_client, template, org_admin, other_phone_number
):
    campaign = factories.CampaignFactory(template=template, name="Black Friday")
    apply_status(template, "PAUSED")  # campaign.paused by meta, then template.status_changed
    apply_status(factories.WhatsAppTemplateFactory(phone_number=other_phone_number), "PAUSED")
    apply_status(template, "REINSTATED")
    campaign_services.resume_campaign(campaign, actor=org_admin)

    response = admin_client.get(AUDIT_URL)

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["action"] for row in rows] == [
        "campaign.resumed",
        "template.status_changed",
        "alert.resolved",  # the reinstatement resolved the pause's alert
        "template.status_changed",
        "campaign.paused",
    ]
    assert response.json()["count"] == 5
    newest = rows[0]
    assert set(newest) == {
        "id",
        "created_at",
        "actor_type",
        "actor",
        "action",
        "action_display",
        "target_type",
        "target_id",
        "target_name",
        "changes",
        "reason",
    }
    assert newest["action_display"] == "Campaign resumed"
    assert (newest["actor_type"], newest["actor"]) == ("user", org_admin.username)
    assert (newest["target_type"], newest["target_id"]) == ("campaign", str(campaign.pk))
    assert newest["target_name"] == "Black Friday"
    assert newest["changes"] == {"status": ["PAUSED", "ACTIVE"]}
    assert (rows[-1]["actor_type"], rows[-1]["actor"]) == ("meta", None)


def test_member_may_not_read_the_audit_trail(member_client):
    response = member_client.get(AUDIT_URL)

    assert response.status_code == 403


def test_super_admin_reads_every_organizations_entries(super_admin_client, other_organization):
    factories.AuditLogFactory()
    factories.AuditLogFactory(organization=other_organization)

    response = super_admin_client.get(AUDIT_URL)

    assert response.json()["count"] == 2


def test_filters_by_action_actor_type_and_target(admin_client, organization):
    wanted = factories.AuditLogFactory(
        organization=organization, action="campaign.paused", target_type="campaign"
    )
    factories.AuditLogFactory(
        organization=organization, action="campaign.paused", target_type="campaign"
    )
    factories.AuditLogFactory(organization=organization, action="template.status_changed")

    def ids(**params) -> list[int]:
        response = admin_client.get(AUDIT_URL, params)
        assert response.status_code == 200
        return sorted(row["id"] for row in response.json()["results"])

    paused = sorted(AuditLog.objects.filter(action="campaign.paused").values_list("pk", flat=True))
    assert ids(action="campaign.paused") == paused
    assert ids(target_type="campaign", target_id=wanted.target_id) == [wanted.pk]
    assert ids(actor_type="meta") == []
    assert len(ids(actor_type="system")) == 3


def test_filters_by_time_range(admin_client, organization):
    entries = factories.AuditLogFactory.create_batch(3, organization=organization)
    middle = entries[1].created_at

    since = admin_client.get(AUDIT_URL, {"since": middle.isoformat()}).json()["results"]
    until = admin_client.get(AUDIT_URL, {"until": middle.isoformat()}).json()["results"]
    future = admin_client.get(
        AUDIT_URL, {"since": (timezone.now() + timedelta(days=1)).isoformat()}
    ).json()["results"]

    assert [row["id"] for row in since] == [entries[2].pk, entries[1].pk]
    assert [row["id"] for row in until] == [entries[0].pk]
    assert future == []


def test_bad_time_filter_is_a_400(admin_client):
    response = admin_client.get(AUDIT_URL, {"since": "yesterday"})

    assert response.status_code == 400
    assert "since" in response.json()


def test_list_is_paginated(admin_client, organization):
    factories.AuditLogFactory.create_batch(3, organization=organization)

    body = admin_client.get(AUDIT_URL, {"page_size": 2}).json()

    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"] is not None
