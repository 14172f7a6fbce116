"""`pause_campaign` and `resume_campaign`: a person's (or the system's) pause and resume."""

from __future__ import annotations

import pytest
from django.utils import timezone

from campaigns import services
from campaigns.models import Campaign
from pytake.exceptions import ApplicationError, ConflictError
from templates_app.models import TemplateStatus
from tests import factories
from tests.meta_events import apply_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def template(phone_number):
    return factories.WhatsAppTemplateFactory(phone_number=phone_number, name="order_update")


@pytest.mark.parametrize("status", ["ACTIVE", "SCHEDULED"])
def test_pause_campaign_pauses_and_remembers_the_status_to_return_to(template, org_admin, status):
    campaign = factories.CampaignFactory(template=template, status=status)

    paused = services.pause_campaign(campaign, actor=org_admin, reason="Copy under review")

    paused.refresh_from_db()
    assert paused.status == Campaign.Status.PAUSED
    assert paused.status_before_pause == status
    assert paused.pause_reason == "Copy under review"
    assert paused.paused_at is not None
    assert paused.paused_by_template is False


@pytest.mark.parametrize("status", ["DRAFT", "COMPLETED", "CANCELLED"])
def test_pause_campaign_refuses_a_campaign_that_does_not_send(template, org_admin, status):
    campaign = factories.CampaignFactory(template=template, status=status)

    with pytest.raises(ConflictError, match=f"is {status}"):
        services.pause_campaign(campaign, actor=org_admin, reason="x")

    campaign.refresh_from_db()
    assert campaign.status == status


def test_pause_campaign_refuses_a_campaign_a_person_already_paused(template, org_admin):
    campaign = factories.CampaignFactory(template=template)
    services.pause_campaign(campaign, actor=org_admin, reason="first")

    with pytest.raises(ConflictError, match="already paused"):
        services.pause_campaign(campaign, actor=org_admin, reason="second")

    campaign.refresh_from_db()
    assert campaign.pause_reason == "first"


def test_pause_campaign_refuses_a_deleted_campaign(template, org_admin):
    campaign = factories.CampaignFactory(template=template, deleted_at=timezone.now())

    with pytest.raises(ConflictError, match="deleted"):
        services.pause_campaign(campaign, actor=org_admin, reason="x")


@pytest.mark.parametrize("status", ["ACTIVE", "SCHEDULED"])
def test_resume_campaign_returns_to_the_status_before_the_pause(template, org_admin, status):
    campaign = factories.CampaignFactory(template=template, status=status)
    services.pause_campaign(campaign, actor=org_admin, reason="x")

    resumed = services.resume_campaign(campaign, actor=org_admin)

    resumed.refresh_from_db()
    assert resumed.status == status
    assert resumed.pause_reason == ""
    assert resumed.paused_at is None
    assert resumed.status_before_pause == ""


def test_resume_campaign_is_refused_while_the_template_is_blocked(template, org_admin):
    campaign = factories.CampaignFactory(template=template, status=Campaign.Status.ACTIVE)
    apply_status(template, "PAUSED")

    with pytest.raises(ConflictError) as refused:
        services.resume_campaign(campaign, actor=org_admin)

    assert "order_update (en_US) is PAUSED" in refused.value.message
    assert refused.value.extra["template_status"] == "PAUSED"
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PAUSED


def test_resume_campaign_works_once_the_template_is_sendable_again(template, org_admin):
    campaign = factories.CampaignFactory(template=template, status=Campaign.Status.SCHEDULED)
    apply_status(template, "PAUSED")
    apply_status(template, "REINSTATED")

    services.resume_campaign(campaign, actor=org_admin)

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SCHEDULED
    assert campaign.paused_by_template is False


def test_resume_campaign_refuses_a_campaign_that_is_not_paused(template, org_admin):
    campaign = factories.CampaignFactory(template=template, status=Campaign.Status.ACTIVE)

    with pytest.raises(ConflictError, match="not paused"):
        services.resume_campaign(campaign, actor=org_admin)


def test_sending_campaign_cannot_be_created_on_a_blocked_template(template):
    template.status = TemplateStatus.DISABLED
    template.save()

    with pytest.raises(ApplicationError, match="DISABLED"):
        services.create_campaign(template=template, name="x", status=Campaign.Status.ACTIVE)

    assert not Campaign.objects.exists()
