"""GET /api/v1/whatsapp/templates/critical and /api/v1/whatsapp/templates/quality-summary"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from alerts.models import Alert
from campaigns.models import Campaign
from templates_app.models import WhatsAppTemplate
from tests import factories

pytestmark = pytest.mark.django_db

CRITICAL_URL = "/api/v1/whatsapp/templates/critical"
SUMMARY_URL = "/api/v1/whatsapp/templates/quality-summary"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def make(account, name, status, quality, *, changed_hours_ago=1, **fields):
    """A template of `account` whose status last changed `changed_hours_ago` before NOW."""
    return factories.WhatsAppTemplateFactory(
        phone_number__business_account=account,
        name=name,
        status=status,
        quality_score=quality,
        status_event_at=NOW - timedelta(hours=changed_hours_ago),
        **fields,
    )


@pytest.fixture
def account(organization):
    return factories.BusinessAccountFactory(organization=organization)


@pytest.fixture
def every_status(account, frozen_now):
    """One template of each status and quality that matters, deleted ones included."""
    templates = {
        "disabled": make(
            account,
            "disabled",
            "DISABLED",
            "RED",
            disabled_reason="SCAM",
            disabled_at=NOW - timedelta(hours=5),
            paused_at=NOW - timedelta(hours=20),
            paused_title="SECOND_PAUSE",  # left from the pause that came before the disable
            sent_count=1000,
            failed_count=250,
            changed_hours_ago=5,
        ),
        "locked": make(account, "locked", "LOCKED", "YELLOW"),
        "limit": make(account, "limit", "LIMIT_EXCEEDED", "GREEN"),
        "red": make(account, "red", "APPROVED", "RED"),
        "paused": make(
            account,
            "paused",
            "PAUSED",
            "YELLOW",
            paused_title="FIRST_PAUSE",
            paused_at=NOW - timedelta(hours=1),
            sent_count=3,
            failed_count=1,
        ),
        "rejected": make(account, "rejected", "REJECTED", "UNKNOWN", rejection_reason="SCAM"),
        "flagged": make(account, "flagged", "FLAGGED", "YELLOW"),
        "pending_overdue": make(
            account, "pending_overdue", "PENDING", "UNKNOWN", pending_since=NOW - timedelta(days=3)
        ),
        "pending": make(
            account, "pending", "PENDING", "UNKNOWN", pending_since=NOW - timedelta(hours=2)
        ),
        "approved": make(account, "approved", "APPROVED", "GREEN", sent_count=300),
        "in_appeal": make(account, "in_appeal", "IN_APPEAL", "UNKNOWN"),
        "pending_deletion": make(account, "pending_deletion", "PENDING_DELETION", "GREEN"),
        "archived": make(account, "archived", "ARCHIVED", "YELLOW"),
        # Never shown, never counted:
        "deleted_by_meta": make(account, "deleted_by_meta", "DELETED", "RED", sent_count=9000),
        "deleted_here": make(
            account, "deleted_here", "DISABLED", "RED", deleted_at=NOW, sent_count=9000
        ),
    }
    disabled = templates["disabled"]
    for status, by_template in (
        (Campaign.Status.ACTIVE, False),
        (Campaign.Status.SCHEDULED, False),
        (Campaign.Status.PAUSED, True),
        # Not affected: paused by a person, drafts, finished ones.
        (Campaign.Status.PAUSED, False),
        (Campaign.Status.DRAFT, False),
        (Campaign.Status.COMPLETED, False),
    ):
        factories.CampaignFactory(template=disabled, status=status, paused_by_template=by_template)
    factories.CampaignFactory(template=disabled, deleted_at=NOW)
    for kind, status in (
        (Alert.Kind.TEMPLATE_DISABLED, Alert.Status.OPEN),
        (Alert.Kind.TEMPLATE_QUALITY_RED, Alert.Status.ACKNOWLEDGED),
        (Alert.Kind.TEMPLATE_PAUSED, Alert.Status.RESOLVED),  # not open any more
    ):
        factories.AlertFactory(template=disabled, kind=kind, status=status)
    return templates


# --- critical templates -----------------------------------------------------------------------


def test_critical_answers_the_seeds_shape_with_exact_values(member_client, every_status):
    response = member_client.get(CRITICAL_URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"critical_templates", "total_critical", "timestamp"}
    assert body["timestamp"] == "2026-11-25T10:00:00Z"
    assert body["total_critical"] == 8
    assert body["critical_templates"][0] == {
        "id": str(every_status["disabled"].pk),
        "name": "disabled",
        "language": "en_US",
        "status": "DISABLED",
        "quality_score": "RED",
        "disabled_reason": "scam",
        "disabled_at": "2026-11-25T05:00:00Z",
        "paused_at": "2026-11-24T14:00:00Z",
        "reason": "Disabled by Meta: scam",
        "sent_count": 1000,
        "failed_count": 250,
        "failure_rate": 0.25,
        "campaigns_affected": 3,
        "open_alerts": 2,
        "action_required": "Create a new template and move its campaigns to it",
        "last_event_at": "2026-11-25T05:00:00Z",
        "campaigns_switched": 0,
        "campaigns_summary": "3 campaigns paused",
        "what_comes_next": "",
    }


def test_critical_lists_by_severity_with_a_reason_and_an_action_each(member_client, every_status):
    body = member_client.get(CRITICAL_URL).json()

    rows = [
        (t["name"], t["reason"], t["action_required"], t["disabled_reason"])
        for t in body["critical_templates"]
    ]
    assert rows == [
        (
            "disabled",
            "Disabled by Meta: scam",
            "Create a new template and move its campaigns to it",
            "scam",
        ),
        (
            "locked",
            "Locked by Meta: it cannot be edited or sent for now",
            "Wait for Meta to unlock the template; it cannot be edited or sent meanwhile",
            "",
        ),
        (
            "limit",
            "Over Meta's limit of templates for this business account",
            "Delete unused templates of this business account to get under Meta's limit",
            "",
        ),
        ("red", "Quality rated low (red)", "Review template quality metrics and resubmit", ""),
        (
            "paused",
            "Paused for low quality (first pause, 3 hours)",
            "Wait for Meta to lift the pause; improve the content to avoid a disable",
            "",
        ),
        (
            "rejected",
            "Rejected by Meta: scam",
            "Fix what Meta rejected and submit the template again",
            "",
        ),
        (
            "flagged",
            "Flagged by Meta for low quality; it will be disabled if quality does not improve",
            "Improve the template's quality now, or Meta will disable it",
            "",
        ),
        (
            "pending_overdue",
            "Waiting for Meta's review for more than 48 hours",
            "Contact Meta support: review is overdue",
            "",
        ),
    ]
    for row in body["critical_templates"]:
        assert "NONE" not in row["reason"]


def test_critical_orders_equal_severity_by_oldest_change_first(member_client, account, frozen_now):
    make(account, "recent", "PAUSED", "YELLOW", changed_hours_ago=1)
    make(account, "oldest", "PAUSED", "YELLOW", changed_hours_ago=30)
    make(account, "middle", "PAUSED", "YELLOW", changed_hours_ago=10)
    make(account, "worse", "DISABLED", "GREEN", changed_hours_ago=0)

    body = member_client.get(CRITICAL_URL).json()

    assert [t["name"] for t in body["critical_templates"]] == [
        "worse",
        "oldest",
        "middle",
        "recent",
    ]


def test_quality_red_outranks_a_pause(member_client, account, frozen_now):
    make(account, "paused_green", "PAUSED", "GREEN", changed_hours_ago=40)
    make(account, "paused_red", "PAUSED", "RED", changed_hours_ago=1)

    body = member_client.get(CRITICAL_URL).json()

    first, second = body["critical_templates"]
    assert (first["name"], first["reason"]) == (
        "paused_red",
        "Paused by Meta; quality rated low (red)",
    )
    assert first["action_required"] == "Review template quality metrics and resubmit"
    assert second["name"] == "paused_green"


@pytest.mark.parametrize(
    ("sent", "failed", "rate"),
    [(0, 0, None), (0, 5, None), (40, 40, 1.0), (3, 1, 0.333), (3, 2, 0.667), (1000, 1, 0.001)],
)
def test_failure_rate_is_failed_over_sent_to_three_places(
    member_client, account, frozen_now, sent, failed, rate
):
    make(account, "t", "DISABLED", "RED", sent_count=sent, failed_count=failed)

    (row,) = member_client.get(CRITICAL_URL).json()["critical_templates"]

    assert row["failure_rate"] == rate


@pytest.mark.parametrize(
    ("waiting", "critical"),
    [
        (timedelta(hours=47, minutes=59), False),
        (timedelta(hours=48), False),
        (timedelta(hours=48, minutes=1), True),
    ],
)
def test_pending_is_critical_only_after_48_hours(
    member_client, account, frozen_now, waiting, critical
):
    make(account, "waiting", "PENDING", "UNKNOWN", pending_since=NOW - waiting)

    body = member_client.get(CRITICAL_URL).json()

    assert body["total_critical"] == (1 if critical else 0)
    assert [t["name"] for t in body["critical_templates"]] == (["waiting"] if critical else [])


def test_pending_template_without_a_pending_date_waits_since_its_creation(member_client, account):
    with time_machine.travel(NOW - timedelta(hours=49), tick=False):
        make(account, "old_submission", "PENDING", "UNKNOWN", pending_since=None)
    with time_machine.travel(NOW, tick=False):
        body = member_client.get(CRITICAL_URL).json()

    assert [t["name"] for t in body["critical_templates"]] == ["old_submission"]


def test_critical_limit_shortens_the_list_but_not_the_total(member_client, every_status):
    body = member_client.get(CRITICAL_URL, {"limit": 2}).json()

    assert [t["name"] for t in body["critical_templates"]] == ["disabled", "locked"]
    assert body["total_critical"] == 8


def test_critical_lists_every_template_that_needs_attention_by_default(member_client, account):
    phone_number = factories.PhoneNumberFactory(business_account=account)
    WhatsAppTemplate.objects.bulk_create(
        factories.WhatsAppTemplateFactory.build(
            phone_number=phone_number, name=f"disabled_{n:03d}", status="DISABLED"
        )
        for n in range(130)
    )

    body = member_client.get(CRITICAL_URL).json()

    assert body["total_critical"] == 130
    assert len(body["critical_templates"]) == 130


@pytest.mark.parametrize("limit", ["0", "1001", "many"])
def test_critical_limit_out_of_range_is_a_400(member_client, limit):
    response = member_client.get(CRITICAL_URL, {"limit": limit})

    assert response.status_code == 400
    assert "limit" in response.json()


def test_critical_never_counts_another_organizations_templates(
    member_client, every_status, other_phone_number
):
    factories.WhatsAppTemplateFactory(
        phone_number=other_phone_number, name="foreign", status="DISABLED"
    )

    body = member_client.get(CRITICAL_URL).json()

    assert body["total_critical"] == 8
    assert "foreign" not in [t["name"] for t in body["critical_templates"]]


def test_critical_needs_authentication(api_client):
    response = api_client.get(CRITICAL_URL)

    assert response.status_code == 401
    assert "detail" in response.json()


def test_org_admin_reads_critical_templates(admin_client, every_status):
    assert admin_client.get(CRITICAL_URL).json()["total_critical"] == 8


def test_super_admin_without_organization_must_name_one(super_admin_client, every_status):
    response = super_admin_client.get(CRITICAL_URL)

    assert response.status_code == 400
    assert response.json() == {
        "organization": ["A super admin without an organization must name one."]
    }


def test_super_admin_reads_the_organization_named(
    super_admin_client, organization, every_status, other_phone_number
):
    factories.WhatsAppTemplateFactory(phone_number=other_phone_number, status="DISABLED")

    body = super_admin_client.get(CRITICAL_URL, {"organization": str(organization.pk)}).json()

    assert body["total_critical"] == 8


def test_super_admin_naming_an_unknown_organization_gets_404(super_admin_client):
    response = super_admin_client.get(
        CRITICAL_URL, {"organization": "00000000-0000-0000-0000-000000000000"}
    )

    assert response.status_code == 404


def test_member_naming_another_organization_gets_404(member_client, other_organization):
    response = member_client.get(CRITICAL_URL, {"organization": str(other_organization.pk)})

    assert response.status_code == 404
    assert response.json() == {"detail": "No such organization."}


def test_member_naming_their_own_organization_reads_it(member_client, organization, every_status):
    body = member_client.get(CRITICAL_URL, {"organization": str(organization.pk)}).json()

    assert body["total_critical"] == 8


def test_organization_that_is_not_a_uuid_is_a_400(super_admin_client):
    response = super_admin_client.get(CRITICAL_URL, {"organization": "acme"})

    assert response.status_code == 400
    assert "organization" in response.json()


# --- quality summary --------------------------------------------------------------------------


def quality_entry(template, previous, new, *, at):
    return factories.AuditLogFactory(
        organization=template.organization,
        actor_type="meta",
        action="template.quality_changed",
        target_id=str(template.pk),
        target_name=str(template),
        changes={"quality_score": [previous, new]},
        event_at=at,
    )


def test_quality_summary_answers_the_seeds_shape_with_exact_values(admin_client, every_status):
    red = every_status["red"]
    quality_entry(red, "GREEN", "YELLOW", at=NOW - timedelta(hours=3))
    quality_entry(red, "YELLOW", "RED", at=NOW - timedelta(hours=2))

    response = admin_client.get(SUMMARY_URL)

    assert response.status_code == 200
    assert response.json() == {
        "quality_summary": {
            "total_templates": 13,
            "approved": 2,
            "pending": 2,
            "rejected": 1,
            "disabled": 1,
            "paused": 1,
            "flagged": 1,
            "quality_distribution": {"GREEN": 3, "YELLOW": 4, "RED": 2, "UNKNOWN": 4},
            # Templates that sent: disabled 250/1000, paused 1/3, approved 0/300.
            "avg_success_rate": 0.806,
            "avg_failure_rate": 0.194,
            "total_messages_sent": 1303,
            "total_messages_failed": 251,
        },
        "recent_quality_changes": [
            {
                "template_id": str(red.pk),
                "name": "red",
                "language": "en_US",
                "previous": "YELLOW",
                "new": "RED",
                "timestamp": "2026-11-25T08:00:00Z",
            },
            {
                "template_id": str(red.pk),
                "name": "red",
                "language": "en_US",
                "previous": "GREEN",
                "new": "YELLOW",
                "timestamp": "2026-11-25T07:00:00Z",
            },
        ],
        "timestamp": "2026-11-25T10:00:00Z",
    }


def test_quality_summary_of_an_organization_without_templates_is_all_zero(admin_client):
    body = admin_client.get(SUMMARY_URL).json()

    assert body["quality_summary"] == {
        "total_templates": 0,
        "approved": 0,
        "pending": 0,
        "rejected": 0,
        "disabled": 0,
        "paused": 0,
        "flagged": 0,
        "quality_distribution": {"GREEN": 0, "YELLOW": 0, "RED": 0, "UNKNOWN": 0},
        "avg_success_rate": None,
        "avg_failure_rate": None,
        "total_messages_sent": 0,
        "total_messages_failed": 0,
    }
    assert body["recent_quality_changes"] == []


def test_averages_are_null_when_no_template_sent(admin_client, account, frozen_now):
    make(account, "quiet", "APPROVED", "GREEN", sent_count=0)

    summary = admin_client.get(SUMMARY_URL).json()["quality_summary"]

    assert (summary["avg_success_rate"], summary["avg_failure_rate"]) == (None, None)


def test_averages_when_every_message_failed(admin_client, account, frozen_now):
    make(account, "broken", "APPROVED", "RED", sent_count=40, failed_count=40)

    summary = admin_client.get(SUMMARY_URL).json()["quality_summary"]

    assert (summary["avg_success_rate"], summary["avg_failure_rate"]) == (0.0, 1.0)


def test_recent_quality_changes_are_the_ten_latest_newest_first(
    admin_client, account, other_phone_number, frozen_now
):
    template = make(account, "busy", "APPROVED", "GREEN")
    for hour in range(12):
        quality_entry(template, "GREEN", f"H{hour}", at=NOW - timedelta(hours=24 - hour))
    # Neither another organization's change nor a status change is a quality change here.
    quality_entry(
        factories.WhatsAppTemplateFactory(phone_number=other_phone_number),
        "GREEN",
        "RED",
        at=NOW,
    )
    factories.AuditLogFactory(
        organization=template.organization, target_id=str(template.pk), event_at=NOW
    )

    changes = admin_client.get(SUMMARY_URL).json()["recent_quality_changes"]

    assert [c["new"] for c in changes] == [f"H{hour}" for hour in range(11, 1, -1)]


def test_quality_changes_recorded_from_meta_events_are_listed(admin_client, order_update):
    from tests.meta_events import apply, quality_update

    apply(quality_update(order_update, "YELLOW", occurred_at=NOW))

    (change,) = admin_client.get(SUMMARY_URL).json()["recent_quality_changes"]

    assert change == {
        "template_id": str(order_update.pk),
        "name": "order_update",
        "language": "en_US",
        "previous": "GREEN",
        "new": "YELLOW",
        "timestamp": "2026-11-25T10:00:00Z",
    }


def test_quality_summary_never_counts_another_organizations_templates(
    admin_client, every_status, other_phone_number
):
    factories.WhatsAppTemplateFactory(phone_number=other_phone_number, sent_count=5)

    summary = admin_client.get(SUMMARY_URL).json()["quality_summary"]

    assert summary["total_templates"] == 13
    assert summary["total_messages_sent"] == 1303


def test_member_cannot_read_the_quality_summary(member_client):
    response = member_client.get(SUMMARY_URL)

    assert response.status_code == 403
    assert response.json() == {"detail": "Only an organization admin or a super admin may do this."}


def test_quality_summary_needs_authentication(api_client):
    assert api_client.get(SUMMARY_URL).status_code == 401


def test_super_admin_reads_the_summary_of_the_organization_named(
    super_admin_client, organization, every_status
):
    missing = super_admin_client.get(SUMMARY_URL)
    named = super_admin_client.get(SUMMARY_URL, {"organization": str(organization.pk)})

    assert missing.status_code == 400
    assert named.json()["quality_summary"]["total_templates"] == 13


def test_org_admin_cannot_read_another_organizations_summary(admin_client, other_organization):
    response = admin_client.get(SUMMARY_URL, {"organization": str(other_organization.pk)})

    assert response.status_code == 404


# --- bounded queries --------------------------------------------------------------------------


@pytest.fixture
def many_templates(organization):
    def create(count: int) -> None:
        account = factories.BusinessAccountFactory(organization=organization)
        statuses = ["DISABLED", "PAUSED", "APPROVED", "REJECTED", "PENDING"]
        templates = factories.WhatsAppTemplateFactory.create_batch(
            count,
            phone_number__business_account=account,
            status=factories.factory.Iterator(statuses),
            quality_score=factories.factory.Iterator(["GREEN", "RED", "YELLOW"]),
            pending_since=timezone.now() - timedelta(days=3),
        )
        for template in templates[:: max(1, count // 30)]:
            factories.CampaignFactory(template=template)
            factories.AlertFactory(template=template)
            quality_entry(template, "GREEN", "RED", at=timezone.now())

    return create


@pytest.mark.parametrize("count", [3, 300])
def test_critical_queries_do_not_grow_with_templates(
    member_client, many_templates, django_assert_max_num_queries, count
):
    many_templates(count)

    # The count, the templates with their counts, and the pauses of those listed.
    with django_assert_max_num_queries(3):
        body = member_client.get(CRITICAL_URL, {"limit": 1000}).json()

    assert body["total_critical"] == len(body["critical_templates"]) > 0


@pytest.mark.parametrize("count", [3, 300])
def test_quality_summary_queries_do_not_grow_with_templates(
    admin_client, many_templates, django_assert_max_num_queries, count
):
    many_templates(count)

    with django_assert_max_num_queries(3):
        body = admin_client.get(SUMMARY_URL).json()

    assert body["quality_summary"]["total_templates"] == count
    assert len(body["recent_quality_changes"]) == min(count, 10)
