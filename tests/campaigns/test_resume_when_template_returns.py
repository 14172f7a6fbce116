"""A template Meta makes sendable again resumes the campaigns it paused, if they allow it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditLog
from campaigns import services
from campaigns.models import Campaign
from templates_app.changes import react_to_template_changes
from templates_app.models import TemplateStatus, WhatsAppTemplate
from tests import factories
from tests.meta_events import apply_status, status_change

pytestmark = pytest.mark.django_db


@pytest.fixture
def template(phone_number):
    return factories.WhatsAppTemplateFactory(phone_number=phone_number, name="order_update")


def campaign(template, status: str, *, auto_resume: bool) -> Campaign:
    return factories.CampaignFactory(template=template, status=status, auto_resume=auto_resume)


def test_reinstated_template_resumes_auto_resume_campaigns_to_their_previous_status(template):
    active = campaign(template, Campaign.Status.ACTIVE, auto_resume=True)
    scheduled = campaign(template, Campaign.Status.SCHEDULED, auto_resume=True)
    apply_status(template, "PAUSED")

    apply_status(template, "REINSTATED")

    assert template.status == TemplateStatus.APPROVED
    for resumed, previous in ((active, "ACTIVE"), (scheduled, "SCHEDULED")):
        resumed.refresh_from_db()
        assert resumed.status == previous
        assert resumed.paused_by_template is False
        assert resumed.pause_reason == ""
        assert resumed.paused_at is None
        assert resumed.status_before_pause == ""


def test_reinstated_template_leaves_campaigns_without_auto_resume_paused_and_resumable(
    template, member_client
):
    waiting = campaign(template, Campaign.Status.ACTIVE, auto_resume=False)
    apply_status(template, "PAUSED")
    waiting.refresh_from_db()
    assert waiting.resumable is False

    apply_status(template, "REINSTATED")

    waiting.refresh_from_db()
    assert waiting.status == Campaign.Status.PAUSED
    assert waiting.paused_by_template is True
    assert waiting.resumable is True
    listed = member_client.get("/api/v1/campaigns/", {"resumable": "true"}).json()["results"]
    assert [row["id"] for row in listed] == [str(waiting.pk)]


def test_template_resume_counts_only_the_campaigns_it_resumed(template):
    auto = campaign(template, Campaign.Status.ACTIVE, auto_resume=True)
    manual = campaign(template, Campaign.Status.ACTIVE, auto_resume=False)
    apply_status(template, "PAUSED")
    template.status = TemplateStatus.APPROVED
    template.save()

    context = react_to_template_changes(
        [status_change(template, "PAUSED", "APPROVED", what_happened="REINSTATED")]
    )

    assert context.campaigns_resumed == {template.pk: [auto.pk]}
    auto.refresh_from_db()
    manual.refresh_from_db()
    assert (auto.status, manual.status) == ("ACTIVE", "PAUSED")


def test_campaign_a_person_paused_is_never_resumed_by_meta(template, org_admin):
    paused_before = campaign(template, Campaign.Status.ACTIVE, auto_resume=True)
    services.pause_campaign(paused_before, actor=org_admin, reason="Holiday freeze")
    paused_during = campaign(template, Campaign.Status.ACTIVE, auto_resume=True)
    apply_status(template, "PAUSED")
    # A person takes over a pause the template started: it now waits for a person.
    services.pause_campaign(paused_during, actor=org_admin, reason="Keep it paused")

    apply_status(template, "REINSTATED")

    for kept in (paused_before, paused_during):
        kept.refresh_from_db()
        assert kept.status == Campaign.Status.PAUSED
        assert kept.paused_by_template is False
    assert paused_during.pause_reason == "Keep it paused"


@pytest.mark.parametrize(
    ("blocking", "returning", "other_info_title"),
    [
        ("PAUSED", "REINSTATED", None),
        ("PAUSED", "APPROVED", "UNPAUSE"),
        ("DISABLED", "APPROVED", None),
        ("ARCHIVED", "UNARCHIVED", None),
    ],
)
def test_template_sendable_again_resumes_auto_resume_campaigns(
    template, blocking, returning, other_info_title
):
    resumable = campaign(template, Campaign.Status.ACTIVE, auto_resume=True)
    apply_status(template, blocking)
    resumable.refresh_from_db()
    assert resumable.status == Campaign.Status.PAUSED

    apply_status(template, returning, other_info_title=other_info_title)

    assert template.status == TemplateStatus.APPROVED
    resumable.refresh_from_db()
    assert resumable.status == Campaign.Status.ACTIVE


def test_template_moving_from_one_blocked_status_to_another_resumes_nothing(template):
    paused = campaign(template, Campaign.Status.ACTIVE, auto_resume=True)
    apply_status(template, "PAUSED")

    apply_status(template, "DISABLED")

    paused.refresh_from_db()
    assert paused.status == Campaign.Status.PAUSED
    assert paused.pause_reason == "Template order_update (en_US): Paused by Meta"


def test_template_resume_is_one_audit_insert_and_one_update(template):
    for _ in range(20):
        campaign(template, Campaign.Status.ACTIVE, auto_resume=True)
    campaign(template, Campaign.Status.ACTIVE, auto_resume=False)
    apply_status(template, "PAUSED")
    template.status = TemplateStatus.APPROVED
    template.save()
    # As the state machine hands it over: with its account and number (the live message's
    # guidance reads them).
    template = WhatsAppTemplate.objects.select_related("business_account", "phone_number").get(
        pk=template.pk
    )

    reinstated = status_change(template, "PAUSED", "APPROVED", what_happened="REINSTATED")

    with CaptureQueriesContext(connection) as queries:
        context = react_to_template_changes([reinstated])

    assert len(context.campaigns_resumed[template.pk]) == 20
    # The pause on Meta's ladder ended; the campaigns resumed and named by one UPDATE, those
    # that opted in switched back from a fallback by another (none here); the open alerts the
    # approval resolves looked up and updated; one INSERT of audit entries, one of live messages.
    assert len(queries.captured_queries) <= 7, [q["sql"][:60] for q in queries.captured_queries]
    assert Campaign.objects.filter(status=Campaign.Status.PAUSED).count() == 1
    assert AuditLog.objects.filter(action="campaign.resumed").count() == 20


def test_appeal_resumes_nothing_until_meta_approves_the_template(template):
    rejected_with = campaign(template, Campaign.Status.ACTIVE, auto_resume=True)
    apply_status(template, "REJECTED", reason="INVALID_FORMAT")

    apply_status(template, "IN_APPEAL")

    rejected_with.refresh_from_db()
    assert (rejected_with.status, rejected_with.paused_by_template) == ("PAUSED", True)

    apply_status(template, "APPROVED")

    rejected_with.refresh_from_db()
    assert (rejected_with.status, rejected_with.paused_by_template) == ("ACTIVE", False)
