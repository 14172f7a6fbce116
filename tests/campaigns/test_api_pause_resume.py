"""POST /campaigns/{id}/pause and /resume, the list filters and the detail's pause fields."""

from __future__ import annotations

import pytest

from campaigns import services
from campaigns.models import Campaign
from tests import factories
from tests.meta_events import apply_status

pytestmark = pytest.mark.django_db

CAMPAIGNS_URL = "/api/v1/campaigns/"


def pause_url(campaign) -> str:
    return f"{CAMPAIGNS_URL}{campaign.pk}/pause"


def resume_url(campaign) -> str:
    return f"{CAMPAIGNS_URL}{campaign.pk}/resume"


@pytest.fixture
def template(phone_number):
    return factories.WhatsAppTemplateFactory(phone_number=phone_number, name="order_update")


@pytest.fixture
def campaign(template):
    return factories.CampaignFactory(template=template, status=Campaign.Status.ACTIVE)


def test_org_admin_pauses_a_campaign_and_gets_it_back(admin_client, campaign):
    response = admin_client.post(pause_url(campaign), {"reason": "Copy review"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(campaign.pk)
    assert body["status"] == "PAUSED"
    assert body["pause_reason"] == "Copy review"
    assert body["paused_by_template"] is False
    assert body["resumable"] is True
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PAUSED


def test_super_admin_pauses_and_resumes_any_organizations_campaign(super_admin_client, campaign):
    paused = super_admin_client.post(pause_url(campaign), {"reason": "x"}, format="json")
    resumed = super_admin_client.post(resume_url(campaign))

    assert (paused.status_code, resumed.status_code) == (200, 200)
    assert resumed.json()["status"] == "ACTIVE"


def test_pause_needs_a_reason(admin_client, campaign):
    response = admin_client.post(pause_url(campaign), {}, format="json")

    assert response.status_code == 400
    assert "reason" in response.json()
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.ACTIVE


def test_pause_of_a_draft_is_a_409(admin_client, template):
    draft = factories.CampaignFactory(template=template, status=Campaign.Status.DRAFT)

    response = admin_client.post(pause_url(draft), {"reason": "x"}, format="json")

    assert response.status_code == 409
    assert "DRAFT" in response.json()["detail"]


def test_org_admin_resumes_a_paused_campaign(admin_client, campaign, org_admin):
    services.pause_campaign(campaign, actor=org_admin, reason="x")

    response = admin_client.post(resume_url(campaign))

    assert response.status_code == 200
    assert response.json()["status"] == "ACTIVE"
    assert response.json()["pause_reason"] == ""


def test_resume_while_the_template_is_blocked_is_a_409_naming_template_and_status(
    admin_client, campaign, template
):
    apply_status(template, "DISABLED", reason="QUALITY_ISSUES")

    response = admin_client.post(resume_url(campaign))

    assert response.status_code == 409
    body = response.json()
    assert "order_update (en_US) is DISABLED" in body["detail"]
    assert body["template"] == str(template.pk)
    assert body["template_name"] == "order_update"
    assert body["template_status"] == "DISABLED"
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PAUSED


@pytest.mark.parametrize("url", [pause_url, resume_url])
def test_member_may_not_pause_or_resume(member_client, campaign, url):
    response = member_client.post(url(campaign), {"reason": "x"}, format="json")

    assert response.status_code == 403
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.ACTIVE


@pytest.mark.parametrize("url", [pause_url, resume_url])
def test_another_organizations_campaign_is_a_404(other_admin_client, campaign, url):
    response = other_admin_client.post(url(campaign), {"reason": "x"}, format="json")

    assert response.status_code == 404
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.ACTIVE


def test_member_reads_paused_by_template_and_resumable_in_the_detail(
    member_client, campaign, template
):
    apply_status(template, "PAUSED")
    blocked = member_client.get(f"{CAMPAIGNS_URL}{campaign.pk}/").json()
    apply_status(template, "REINSTATED")
    sendable = member_client.get(f"{CAMPAIGNS_URL}{campaign.pk}/").json()

    assert (blocked["status"], blocked["paused_by_template"], blocked["resumable"]) == (
        "PAUSED",
        True,
        False,
    )
    assert (sendable["status"], sendable["paused_by_template"], sendable["resumable"]) == (
        "PAUSED",
        True,
        True,
    )


def test_list_filters_by_status_and_by_template(member_client, template, phone_number):
    active = factories.CampaignFactory(template=template, status=Campaign.Status.ACTIVE)
    draft = factories.CampaignFactory(template=template, status=Campaign.Status.DRAFT)
    other = factories.CampaignFactory(
        template=factories.WhatsAppTemplateFactory(phone_number=phone_number),
        status=Campaign.Status.ACTIVE,
    )

    def ids(**params) -> set[str]:
        response = member_client.get(CAMPAIGNS_URL, params)
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids(status="ACTIVE") == {str(active.pk), str(other.pk)}
    assert ids(template=str(template.pk)) == {str(active.pk), str(draft.pk)}
    assert ids(status="DRAFT", template=str(template.pk)) == {str(draft.pk)}


def test_list_filter_by_unknown_status_is_a_400(member_client):
    response = member_client.get(CAMPAIGNS_URL, {"status": "RUNNING"})

    assert response.status_code == 400
    assert "status" in response.json()


def test_list_filter_resumable_false_lists_the_others(member_client, template, org_admin):
    paused = factories.CampaignFactory(template=template, status=Campaign.Status.ACTIVE)
    services.pause_campaign(paused, actor=org_admin, reason="x")
    running = factories.CampaignFactory(template=template, status=Campaign.Status.ACTIVE)

    resumable = member_client.get(CAMPAIGNS_URL, {"resumable": "true"}).json()["results"]
    others = member_client.get(CAMPAIGNS_URL, {"resumable": "false"}).json()["results"]

    assert [row["id"] for row in resumable] == [str(paused.pk)]
    assert [row["id"] for row in others] == [str(running.pk)]
