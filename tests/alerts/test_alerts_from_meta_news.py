"""Meta's news, in signed webhook deliveries, raises, repeats, escalates and resolves alerts."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from alerts.models import Alert
from audit.models import AuditLog
from campaigns.models import Campaign
from tests import factories
from tests.alerts.conftest import T0, correct_category_body, deliver, quality_body, status_body

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhook_settings")]


@pytest.mark.parametrize(
    ("body_of", "kind", "severity", "title"),
    [
        (
            lambda t: status_body(t, "DISABLED", reason="SCAM"),
            "TEMPLATE_DISABLED",
            "CRITICAL",
            "Template spring_sale (en_US) was disabled by Meta: scam.",
        ),
        (
            lambda t: quality_body(t, "RED"),
            "TEMPLATE_QUALITY_RED",
            "CRITICAL",
            "Template spring_sale (en_US) has low (red) quality.",
        ),
        (
            lambda t: status_body(t, "PAUSED", other_info={"title": "FIRST_PAUSE"}),
            "TEMPLATE_PAUSED",
            "WARNING",
            "Template spring_sale (en_US) was paused by Meta.",
        ),
        (
            lambda t: status_body(t, "LOCKED"),
            "TEMPLATE_PAUSED",
            "WARNING",
            "Template spring_sale (en_US) was locked by Meta.",
        ),
        (
            lambda t: status_body(t, "FLAGGED"),
            "TEMPLATE_FLAGGED",
            "WARNING",
            "Template spring_sale (en_US) was flagged by Meta: it will be disabled if its "
            "quality does not improve.",
        ),
        (
            lambda t: quality_body(t, "YELLOW"),
            "TEMPLATE_QUALITY_YELLOW",
            "WARNING",
            "Template spring_sale (en_US) has medium (yellow) quality: at RED, Meta pauses it "
            "(3 hours the first time, 6 the second) and then disables it.",
        ),
        (
            lambda t: status_body(t, "REJECTED", reason="INVALID_FORMAT"),
            "TEMPLATE_REJECTED",
            "INFO",
            "Template spring_sale (en_US) was rejected by Meta: invalid format.",
        ),
    ],
    ids=["disabled", "red", "paused", "locked", "flagged", "yellow", "rejected"],
)
def test_each_kind_of_bad_news_raises_its_alert(client, template, body_of, kind, severity, title):
    deliver(client, body_of(template))

    alert = Alert.objects.get()
    assert (alert.kind, alert.severity, alert.status) == (kind, severity, "OPEN")
    assert alert.title == title
    assert alert.organization_id == template.organization_id
    assert alert.occurrences == 1
    assert alert.data["template_id"] == str(template.pk)
    assert (alert.data["template_name"], alert.data["language"]) == ("spring_sale", "en_US")
    assert alert.data["reason"]  # Meta's reason as a sentence, never empty or NONE
    assert "NONE" not in alert.data["reason"]


def test_wrong_category_detected_raises_an_info_alert(client, template):
    deliver(client, correct_category_body(template, "MARKETING"))

    alert = Alert.objects.get()
    assert (alert.kind, alert.severity, alert.status) == (
        "TEMPLATE_CATEGORY_MISMATCH",
        "INFO",
        "OPEN",
    )
    assert alert.title == "Template spring_sale (en_US) is in the wrong category."
    assert alert.data["correct_category"] == "MARKETING"
    assert alert.data["reason"] == (
        "Meta found that this template, sent as UTILITY, is really MARKETING; its messages "
        "are charged as MARKETING"
    )


def test_disabled_alert_counts_the_campaigns_the_event_paused(client, template):
    factories.CampaignFactory.create_batch(2, template=template, status=Campaign.Status.ACTIVE)
    factories.CampaignFactory(template=template, status=Campaign.Status.SCHEDULED)
    factories.CampaignFactory(template=template, status=Campaign.Status.DRAFT)

    deliver(client, status_body(template, "DISABLED", reason="SCAM"))

    alert = Alert.objects.get()
    assert alert.title == (
        "Template spring_sale (en_US) was disabled by Meta: scam. 3 campaigns paused."
    )
    assert alert.data["campaigns_paused"] == 3
    assert (alert.data["status"], alert.data["quality"]) == ("DISABLED", "GREEN")
    assert alert.data["reason"] == "Disabled by Meta: scam"


def test_quality_alert_counts_no_paused_campaigns(client, template):
    factories.CampaignFactory(template=template, status=Campaign.Status.ACTIVE)

    deliver(client, quality_body(template, "RED"))

    alert = Alert.objects.get()
    assert alert.data["campaigns_paused"] == 0
    assert "paused" not in alert.title


def test_green_and_approved_news_raise_nothing(client, template):
    deliver(client, quality_body(template, "YELLOW"))
    deliver(client, quality_body(template, "GREEN", occurred_at=T0 + 60))

    assert not Alert.objects.filter(status="OPEN").exists()
    assert Alert.objects.get().kind == "TEMPLATE_QUALITY_YELLOW"


# --- one open alert per template and kind -------------------------------------------------------


def test_repeated_news_counts_occurrences_on_the_open_alert(client, template):
    deliver(client, status_body(template, "LOCKED", occurred_at=T0))
    deliver(client, status_body(template, "PAUSED", occurred_at=T0 + 600))

    alert = Alert.objects.get()
    assert alert.kind == "TEMPLATE_PAUSED"
    assert alert.occurrences == 2
    assert int(alert.last_seen_at.timestamp()) == T0 + 600
    assert alert.title == "Template spring_sale (en_US) was paused by Meta."


def test_acknowledged_alert_is_still_the_one_repeated(client, template, org_admin):
    from alerts.services import lifecycle

    deliver(client, status_body(template, "LOCKED", occurred_at=T0))
    lifecycle.acknowledge_alert(alert=Alert.objects.get(), actor=org_admin)
    deliver(client, status_body(template, "PAUSED", occurred_at=T0 + 60))

    alert = Alert.objects.get()
    assert (alert.status, alert.occurrences) == ("ACKNOWLEDGED", 2)


def test_redelivered_body_raises_one_alert(client, template):
    body = status_body(template, "DISABLED", reason="SCAM")

    deliver(client, body)
    deliver(client, body)

    assert Alert.objects.count() == 1
    assert Alert.objects.get().occurrences == 1


def test_database_refuses_a_second_open_alert_of_one_kind(template):
    factories.AlertFactory(template=template, kind="TEMPLATE_PAUSED", status="ACKNOWLEDGED")
    factories.AlertFactory(template=template, kind="TEMPLATE_PAUSED", status="RESOLVED")

    with pytest.raises(IntegrityError), transaction.atomic():
        factories.AlertFactory(template=template, kind="TEMPLATE_PAUSED", status="OPEN")


# --- escalation and recovery --------------------------------------------------------------------


def test_disabled_after_paused_escalates(client, template):
    factories.CampaignFactory(template=template, status=Campaign.Status.ACTIVE)
    deliver(client, status_body(template, "PAUSED", occurred_at=T0))
    paused = Alert.objects.get()

    deliver(client, status_body(template, "DISABLED", reason="SCAM", occurred_at=T0 + 3600))

    paused.refresh_from_db()
    disabled = Alert.objects.get(kind="TEMPLATE_DISABLED")
    assert (disabled.severity, disabled.status) == ("CRITICAL", "OPEN")
    assert disabled.data["escalated_from"] == ["TEMPLATE_PAUSED"]
    # The campaign paused an hour earlier is still held by the template.
    assert disabled.title.endswith("1 campaign paused.")
    assert paused.status == "RESOLVED"
    assert paused.resolved_at is not None
    assert paused.escalated_to == disabled
    assert paused.resolution == f"Escalated: {disabled.title}"


def test_red_after_yellow_escalates(client, template):
    deliver(client, quality_body(template, "YELLOW", occurred_at=T0))
    template.refresh_from_db()
    deliver(client, quality_body(template, "RED", occurred_at=T0 + 60))

    yellow = Alert.objects.get(kind="TEMPLATE_QUALITY_YELLOW")
    red = Alert.objects.get(kind="TEMPLATE_QUALITY_RED")
    assert (yellow.status, yellow.escalated_to) == ("RESOLVED", red)
    assert red.status == "OPEN"


def test_green_resolves_the_quality_alerts(client, template):
    deliver(client, quality_body(template, "RED", occurred_at=T0))
    template.refresh_from_db()

    deliver(client, quality_body(template, "GREEN", occurred_at=T0 + 60))

    red = Alert.objects.get()
    assert red.status == "RESOLVED"
    assert red.resolved_at is not None
    assert red.resolution == "Quality rose from low (red) to high (green)"
    entry = AuditLog.objects.get(action="alert.resolved")
    assert (entry.target_id, entry.actor_type, entry.reason) == (
        str(red.pk),
        "meta",
        red.resolution,
    )


def test_yellow_after_red_resolves_red_and_raises_yellow(client, template):
    deliver(client, quality_body(template, "RED", occurred_at=T0))
    template.refresh_from_db()

    deliver(client, quality_body(template, "YELLOW", occurred_at=T0 + 60))

    assert Alert.objects.get(kind="TEMPLATE_QUALITY_RED").status == "RESOLVED"
    assert Alert.objects.get(kind="TEMPLATE_QUALITY_YELLOW").status == "OPEN"


@pytest.mark.parametrize(
    ("blocking", "recovery", "resolution"),
    [
        ("DISABLED", {"event": "REINSTATED"}, "Reinstated by Meta"),
        ("PAUSED", {"event": "REINSTATED"}, "Reinstated by Meta"),
        (
            "PAUSED",
            {"event": "APPROVED", "other_info": {"title": "UNPAUSE"}},
            "Pause lifted by Meta",
        ),
        ("FLAGGED", {"event": "APPROVED"}, "Approved by Meta"),
        ("REJECTED", {"event": "APPROVED"}, "Approved by Meta"),
    ],
    ids=["disabled-reinstated", "paused-reinstated", "paused-unpause", "flagged", "rejected"],
)
def test_sendable_again_resolves_with_why(client, template, blocking, recovery, resolution):
    deliver(client, status_body(template, blocking, occurred_at=T0))

    deliver(client, status_body(template, occurred_at=T0 + 600, **recovery))

    alert = Alert.objects.get()
    assert alert.status == "RESOLVED"
    assert alert.resolution == resolution
    assert alert.resolved_by is None
    assert alert.resolved_at is not None


def test_approval_resolves_pending_too_long(client, template):
    template.status = "PENDING"
    template.save()
    alert = factories.AlertFactory(
        template=template, kind="TEMPLATE_PENDING_TOO_LONG", severity="WARNING"
    )

    deliver(client, status_body(template, "APPROVED"))

    alert.refresh_from_db()
    assert (alert.status, alert.resolution) == ("RESOLVED", "Approved by Meta")


def test_a_new_block_after_recovery_opens_a_new_alert(client, template):
    deliver(client, status_body(template, "PAUSED", occurred_at=T0))
    deliver(client, status_body(template, "REINSTATED", occurred_at=T0 + 60))
    deliver(client, status_body(template, "PAUSED", occurred_at=T0 + 120))

    assert list(Alert.objects.order_by("created_at").values_list("status", flat=True)) == [
        "RESOLVED",
        "OPEN",
    ]
