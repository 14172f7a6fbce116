"""A template Meta blocks pauses exactly the campaigns that would send it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditLog
from campaigns import services
from campaigns.models import Campaign
from templates_app.changes import react_to_template_changes
from templates_app.models import BLOCKED_STATUSES, TemplateStatus
from templates_app.services.state_machine import STATUS_OF_EVENT
from tests import factories
from tests.meta_events import apply_status, status_change

pytestmark = pytest.mark.django_db

# Each of Meta's events that moves a template into a status in which Meta refuses to send it.
BLOCKING_EVENTS = [
    "PAUSED",
    "DISABLED",
    "REJECTED",
    "PENDING_DELETION",
    "DELETED",
    "ARCHIVED",
    "LOCKED",
    "LIMIT_EXCEEDED",
]


@pytest.fixture
def template(phone_number):
    return factories.WhatsAppTemplateFactory(phone_number=phone_number, name="order_update")


def test_blocking_events_cover_every_blocked_status():
    assert {STATUS_OF_EVENT[event] for event in BLOCKING_EVENTS} == set(BLOCKED_STATUSES)


@pytest.mark.parametrize("event", BLOCKING_EVENTS)
def test_each_blocking_event_pauses_only_active_and_scheduled_campaigns_of_its_template(
    template, phone_number, event
):
    active = factories.CampaignFactory(template=template, status=Campaign.Status.ACTIVE)
    scheduled = factories.CampaignFactory(template=template, status=Campaign.Status.SCHEDULED)
    untouched = {
        "draft": factories.CampaignFactory(template=template, status=Campaign.Status.DRAFT),
        "completed": factories.CampaignFactory(template=template, status=Campaign.Status.COMPLETED),
        "cancelled": factories.CampaignFactory(template=template, status=Campaign.Status.CANCELLED),
        "deleted": factories.CampaignFactory(
            template=template, status=Campaign.Status.ACTIVE, deleted_at=timezone.now()
        ),
        "other template": factories.CampaignFactory(
            template=factories.WhatsAppTemplateFactory(phone_number=phone_number),
            status=Campaign.Status.ACTIVE,
        ),
        "other organization": factories.CampaignFactory(status=Campaign.Status.ACTIVE),
    }
    before = {label: campaign.status for label, campaign in untouched.items()}

    apply_status(template, event)

    assert template.status in BLOCKED_STATUSES
    for campaign in (active, scheduled):
        campaign.refresh_from_db()
        assert campaign.status == Campaign.Status.PAUSED
        assert campaign.paused_by_template is True
    after = {label: Campaign.objects.get(pk=c.pk).status for label, c in untouched.items()}
    assert after == before


def test_paused_campaign_keeps_reason_time_previous_status_and_template_marker(template):
    active = factories.CampaignFactory(template=template, status=Campaign.Status.ACTIVE)
    scheduled = factories.CampaignFactory(template=template, status=Campaign.Status.SCHEDULED)
    started = timezone.now()

    apply_status(
        template,
        "PAUSED",
        other_info_title="FIRST_PAUSE",
        other_info_description="Paused for 3 hours because it continued to have issues.",
        occurred_at=datetime(2026, 11, 24, 14, 0, tzinfo=UTC),
    )

    for campaign, previous in ((active, "ACTIVE"), (scheduled, "SCHEDULED")):
        campaign.refresh_from_db()
        assert campaign.pause_reason == (
            "Template order_update (en_US): Paused for 3 hours because it continued to have issues."
        )
        assert campaign.paused_at is not None and campaign.paused_at >= started
        assert campaign.paused_by_template is True
        assert campaign.status_before_pause == previous


def test_pause_reason_carries_metas_reason_when_meta_gives_one(template):
    campaign = factories.CampaignFactory(template=template, status=Campaign.Status.ACTIVE)

    apply_status(template, "DISABLED", reason="QUALITY_ISSUES")

    campaign.refresh_from_db()
    assert (
        campaign.pause_reason == "Template order_update (en_US): Disabled by Meta: quality issues"
    )


def test_pause_reason_says_so_when_meta_gives_no_reason(template):
    campaign = factories.CampaignFactory(template=template, status=Campaign.Status.ACTIVE)

    apply_status(template, "LOCKED", reason=None)

    campaign.refresh_from_db()
    assert (
        campaign.pause_reason
        == "Template order_update (en_US): Locked by Meta: it cannot be edited or sent for now"
    )


@pytest.mark.parametrize("event", ["FLAGGED", "IN_APPEAL", "PENDING"])
def test_events_that_leave_the_template_sendable_pause_nothing(template, event):
    campaign = factories.CampaignFactory(template=template, status=Campaign.Status.ACTIVE)

    apply_status(template, event)

    campaign.refresh_from_db()
    assert template.status not in BLOCKED_STATUSES
    assert campaign.status == Campaign.Status.ACTIVE


def test_campaign_a_person_paused_is_left_as_the_person_left_it(template, org_admin):
    campaign = factories.CampaignFactory(template=template, status=Campaign.Status.ACTIVE)
    services.pause_campaign(campaign, actor=org_admin, reason="Checking the copy")

    apply_status(template, "PAUSED")

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PAUSED
    assert campaign.paused_by_template is False
    assert campaign.pause_reason == "Checking the copy"


def test_pause_of_many_campaigns_is_one_audit_insert_and_one_update(template):
    factories.campaigns_in_bulk(template, 50)
    template.status = TemplateStatus.PAUSED
    template.save()

    change = status_change(template, "APPROVED", "PAUSED")

    with CaptureQueriesContext(connection) as queries:
        context = react_to_template_changes([change])

    assert len(context.campaigns_paused[template.pk]) == 50
    # The pause kept for Meta's ladder; the campaigns with a usable fallback switched (none
    # here), the others paused and named by one UPDATE each; how many the template holds; the
    # open alerts looked up and the new one inserted; one INSERT of audit entries (the
    # template's and the 50 campaigns'), one of live messages.
    assert len(queries.captured_queries) <= 8, [q["sql"][:60] for q in queries.captured_queries]
    assert Campaign.objects.filter(status=Campaign.Status.PAUSED).count() == 50
    assert AuditLog.objects.filter(action="campaign.paused").count() == 50
