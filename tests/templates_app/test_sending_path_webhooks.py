"""Meta's news about phone numbers and business accounts, end to end through a signed POST."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alerts.models import Alert
from audit.models import AuditLog
from campaigns.models import Campaign
from live.models import LiveMessage
from templates_app.models import BusinessAccount, PhoneNumber, WebhookDelivery
from templates_app.services.sending_path import end_expired_restrictions
from tests import factories
from tests.conftest import PAYLOADS_WABA_ID
from tests.webhooks import payload, payload_bytes, signed_post

pytestmark = pytest.mark.django_db

SENDING_PATH_PAYLOADS = [
    "account_alerts_capability_deferred.json",
    "account_disable_scheduled.json",
    "account_disabled.json",
    "account_reinstated.json",
    "account_restriction.json",
    "account_review_update.json",
    "account_violation.json",
    "business_capability_update.json",
    "phone_number_name_update.json",
    "phone_quality_downgrade.json",
    "phone_quality_flagged.json",
    "phone_quality_throughput_upgrade.json",
    "phone_quality_unflagged.json",
]
# The restriction in account_restriction.json lasts until 11 Dec 2025, 13:00 UTC.
DURING_RESTRICTION = datetime(2025, 12, 5, 9, 0, tzinfo=UTC)
AFTER_RESTRICTION = datetime(2025, 12, 11, 13, 1, tzinfo=UTC)


@pytest.fixture
def demo_number(meta_waba):
    """The number the payloads name by digits only, stored as people write it."""
    return factories.PhoneNumberFactory(
        business_account=meta_waba, display_phone_number="+1 555 000 1111"
    )


@pytest.fixture
def template(demo_number):
    return factories.WhatsAppTemplateFactory(phone_number=demo_number, name="order_update")


def post(client, name: str) -> dict:
    response = signed_post(client, payload_bytes(name))
    assert response.status_code == 200, response.content
    return response.json()


def outcome_of(delivery_id: int) -> dict:
    [outcome] = WebhookDelivery.objects.get(pk=delivery_id).outcomes
    return outcome


@pytest.mark.parametrize("name", SENDING_PATH_PAYLOADS)
def test_every_sending_path_body_is_applied(client, webhook_settings, demo_number, name):
    answer = post(client, name)

    assert answer["status"] == "processed"
    outcome = outcome_of(answer["delivery"])
    assert outcome["result"] == "applied", outcome
    assert outcome["field"] == payload(name)["entry"][0]["changes"][0]["field"]
    assert outcome["detail"]  # the sentence of what changed
    assert AuditLog.objects.filter(delivery_id=answer["delivery"]).exists()


def test_a_flagged_number_is_flagged_with_its_limit_and_a_warning(
    client, webhook_settings, demo_number
):
    post(client, "phone_quality_flagged.json")

    number = PhoneNumber.objects.get(pk=demo_number.pk)
    assert (number.status, number.messaging_limit) == ("FLAGGED", "TIER_10K")
    assert number.status_changed_at == datetime(2025, 12, 4, 12, 0, tzinfo=UTC)
    alert = Alert.objects.get(kind=Alert.Kind.NUMBER_FLAGGED)
    assert alert.severity == Alert.Severity.WARNING
    assert alert.title == (
        f"{demo_number.business_account.name}: Meta flagged number +1 555 000 1111 for low "
        "quality: fix the number's quality within 7 days or its messaging limit drops."
    )
    assert "+1 555 000 1111" in alert.title


def test_unflagged_resolves_the_flag_and_an_older_flagged_changes_nothing(
    client, webhook_settings, demo_number
):
    post(client, "phone_quality_flagged.json")
    post(client, "phone_quality_unflagged.json")
    assert Alert.objects.get(kind=Alert.Kind.NUMBER_FLAGGED).status == Alert.Status.RESOLVED

    # The FLAGGED of 4 Dec again, in a new body, after the UNFLAGGED of 6 Dec.
    late = payload("phone_quality_flagged.json")
    late["entry"][0]["changes"][0]["value"]["current_limit"] = "TIER_250"
    response = signed_post(client, late).json()

    number = PhoneNumber.objects.get(pk=demo_number.pk)
    assert (number.status, number.messaging_limit) == ("CONNECTED", "TIER_2K")
    assert outcome_of(response["delivery"])["result"] == "stale"
    assert not Alert.objects.filter(kind=Alert.Kind.NUMBER_FLAGGED, status="OPEN").exists()


def test_an_unknown_display_number_is_kept_as_ignored_with_the_reason(
    client, webhook_settings, meta_waba
):
    factories.PhoneNumberFactory(business_account=meta_waba, display_phone_number="+1 555 999")

    answer = post(client, "phone_quality_flagged.json")

    delivery = WebhookDelivery.objects.get(pk=answer["delivery"])
    assert delivery.status == WebhookDelivery.Status.IGNORED
    assert delivery.outcomes[0]["result"] == "ignored"
    assert delivery.outcomes[0]["detail"] == (
        f"no phone number 15550001111 in business account {PAYLOADS_WABA_ID}"
    )


def test_a_number_is_matched_on_digits_only(client, webhook_settings, meta_waba):
    number = factories.PhoneNumberFactory(
        business_account=meta_waba, display_phone_number="+1 (555) 000-1111"
    )

    post(client, "phone_quality_downgrade.json")

    number.refresh_from_db()
    assert number.messaging_limit == "TIER_2K"
    assert Alert.objects.get(kind=Alert.Kind.NUMBER_LIMIT_LOWERED).title.endswith(
        "Meta lowered number +1 (555) 000-1111's messaging limit to 2,000 conversations a day."
    )


def test_a_body_labelled_with_the_wrong_field_is_routed_by_its_keys(
    client, webhook_settings, demo_number
):
    body = payload("phone_quality_flagged.json")
    body["entry"][0]["changes"][0]["field"] = "account_update"

    answer = signed_post(client, body).json()

    assert outcome_of(answer["delivery"])["field"] == "phone_number_quality_update"
    assert PhoneNumber.objects.get(pk=demo_number.pk).status == "FLAGGED"


def test_an_unreadable_restriction_is_ignored_with_the_reason(client, webhook_settings, meta_waba):
    body = payload("account_restriction.json")
    body["entry"][0]["changes"][0]["value"]["restriction_info"] = "everything"

    answer = signed_post(client, body).json()

    outcome = outcome_of(answer["delivery"])
    assert (outcome["result"], outcome["detail"]) == (
        "ignored",
        "restriction_info must be a list, got str",
    )
    assert BusinessAccount.objects.get(pk=meta_waba.pk).restrictions == []


@time_machine.travel(DURING_RESTRICTION, tick=False)
def test_a_restriction_pauses_the_accounts_campaigns_with_the_reason_in_words(
    client, webhook_settings, template
):
    active = factories.CampaignFactory(template=template, auto_resume=True)
    draft = factories.CampaignFactory(template=template, status=Campaign.Status.DRAFT)

    answer = post(client, "account_restriction.json")

    active.refresh_from_db()
    draft.refresh_from_db()
    sentence = (
        "Meta restricted this account from starting conversations until 11 Dec 2025, 13:00 UTC."
    )
    assert active.status == Campaign.Status.PAUSED
    assert active.paused_by_account
    assert active.pause_reason.startswith(sentence)
    assert draft.status == Campaign.Status.DRAFT
    account = BusinessAccount.objects.get(pk=template.business_account_id)
    assert [item["restriction_type"] for item in account.restrictions] == [
        "RESTRICTED_BIZ_INITIATED_MESSAGING",
        "RESTRICTED_ADD_PHONE_NUMBER_ACTION",
    ]
    alert = Alert.objects.get(kind=Alert.Kind.ACCOUNT_RESTRICTED)
    assert alert.severity == Alert.Severity.CRITICAL
    assert sentence in alert.title and "1 campaign paused." in alert.title
    entry = AuditLog.objects.get(
        delivery_id=answer["delivery"], action="business_account.meta_news"
    )
    assert entry.reason.startswith(sentence)
    assert AuditLog.objects.filter(action="campaign.paused", target_id=str(active.pk)).exists()
    types = list(LiveMessage.objects.order_by("pk").values_list("type", flat=True))
    assert "sending_path.changed" in types and "campaigns.paused" in types


def test_a_restrictions_expiry_resumes_exactly_the_opted_in_campaigns(
    client, webhook_settings, template
):
    other_template = factories.WhatsAppTemplateFactory(phone_number=template.phone_number)
    opted_in = factories.CampaignFactory(template=template, auto_resume=True)
    scheduled = factories.CampaignFactory(
        template=other_template, auto_resume=True, status=Campaign.Status.SCHEDULED
    )
    waiting = factories.CampaignFactory(template=template, auto_resume=False)
    with time_machine.travel(DURING_RESTRICTION, tick=False):
        post(client, "account_restriction.json")
        assert end_expired_restrictions() == []
    assert set(
        Campaign.objects.filter(status=Campaign.Status.PAUSED).values_list("pk", flat=True)
    ) == {opted_in.pk, scheduled.pk, waiting.pk}

    with time_machine.travel(AFTER_RESTRICTION, tick=False):
        [change] = end_expired_restrictions()

    statuses = dict(Campaign.objects.values_list("pk", "status"))
    assert statuses == {
        opted_in.pk: Campaign.Status.ACTIVE,
        scheduled.pk: Campaign.Status.SCHEDULED,
        waiting.pk: Campaign.Status.PAUSED,
    }
    assert change.what_happened == "RESTRICTION_EXPIRED"
    assert BusinessAccount.objects.get(pk=template.business_account_id).restrictions == []
    alert = Alert.objects.get(kind=Alert.Kind.ACCOUNT_RESTRICTED)
    assert alert.status == Alert.Status.RESOLVED
    assert "ended on 11 Dec 2025, 13:00 UTC" in alert.resolution
    with time_machine.travel(AFTER_RESTRICTION, tick=False):
        assert end_expired_restrictions() == []


def test_disable_pauses_escalates_the_warning_and_reinstate_resumes(
    client, webhook_settings, template
):
    opted_in = factories.CampaignFactory(template=template, auto_resume=True)

    post(client, "account_disable_scheduled.json")
    opted_in.refresh_from_db()
    assert opted_in.status == Campaign.Status.ACTIVE  # a warning, not a pause
    scheduled = Alert.objects.get(kind=Alert.Kind.ACCOUNT_DISABLE_SCHEDULED)
    assert scheduled.severity == Alert.Severity.WARNING
    assert "disabled on 20 Dec 2026" in scheduled.title

    post(client, "account_disabled.json")
    opted_in.refresh_from_db()
    assert (opted_in.status, opted_in.pause_reason) == (
        Campaign.Status.PAUSED,
        "Meta disabled this account on 20 Dec 2026.",
    )
    disabled = Alert.objects.get(kind=Alert.Kind.ACCOUNT_DISABLED)
    assert disabled.severity == Alert.Severity.CRITICAL
    scheduled.refresh_from_db()
    assert (scheduled.status, scheduled.escalated_to) == (Alert.Status.RESOLVED, disabled)

    post(client, "account_reinstated.json")
    opted_in.refresh_from_db()
    disabled.refresh_from_db()
    assert opted_in.status == Campaign.Status.ACTIVE
    assert disabled.status == Alert.Status.RESOLVED
    assert disabled.resolution == "Meta reinstated this account on 22 Dec 2026."


def test_an_older_disable_after_a_reinstatement_changes_nothing(client, webhook_settings, template):
    campaign = factories.CampaignFactory(template=template, auto_resume=True)
    post(client, "account_reinstated.json")

    answer = post(client, "account_disabled.json")

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.ACTIVE
    assert outcome_of(answer["delivery"])["result"] == "stale"
    assert BusinessAccount.objects.get(pk=template.business_account_id).ban_state == "REINSTATE"


def test_a_violation_and_a_partner_removal_are_critical(client, webhook_settings, template):
    campaign = factories.CampaignFactory(template=template)
    post(client, "account_violation.json")
    body = payload("account_violation.json")
    body["entry"][0]["changes"][0]["value"] = {
        "event": "PARTNER_REMOVED",
        "disconnection_info": {"reason": "The business removed the partner."},
    }
    signed_post(client, body)

    critical = dict(
        Alert.objects.filter(severity=Alert.Severity.CRITICAL).values_list("kind", "title")
    )
    assert "policy violation on this account: scam" in critical[Alert.Kind.ACCOUNT_VIOLATION]
    assert Alert.Kind.ACCOUNT_DISCONNECTED in critical
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PAUSED


def test_metas_account_alert_is_shown_as_meta_worded_it(client, webhook_settings, meta_waba):
    post(client, "account_alerts_capability_deferred.json")

    alert = Alert.objects.get(kind=Alert.Kind.ACCOUNT_META_ALERT)
    description = payload("account_alerts_capability_deferred.json")["entry"][0]["changes"][0][
        "value"
    ]["alert_info"]["alert_description"]
    assert description in alert.title
    assert alert.severity == Alert.Severity.WARNING
    assert alert.data["alert_type"] == "INCREASED_CAPABILITIES_ELIGIBILITY_DEFERRED"


def test_account_state_is_kept(client, webhook_settings, demo_number):
    for name in (
        "account_review_update.json",
        "business_capability_update.json",
        "phone_number_name_update.json",
        "phone_quality_throughput_upgrade.json",
    ):
        post(client, name)

    account = BusinessAccount.objects.get(pk=demo_number.business_account_id)
    number = PhoneNumber.objects.get(pk=demo_number.pk)
    assert (account.review_decision, account.max_daily_conversations) == ("APPROVED", 2000)
    assert account.max_phone_numbers == 25
    assert (number.name_status, number.verified_name) == ("APPROVED", "Acme Shop")
    assert (number.throughput_level, number.max_daily_conversations) == ("HIGH", 100000)


def test_another_organizations_account_news_never_reaches_this_one(
    client, webhook_settings, organization, other_organization
):
    # Ours: a number of the same digits in another WABA, with a campaign.
    ours = factories.PhoneNumberFactory(
        business_account__organization=organization, display_phone_number="+1 555 000 1111"
    )
    our_campaign = factories.CampaignFactory(
        template=factories.WhatsAppTemplateFactory(phone_number=ours)
    )
    theirs = factories.BusinessAccountFactory(
        organization=other_organization, waba_id=PAYLOADS_WABA_ID
    )
    their_number = factories.PhoneNumberFactory(
        business_account=theirs, display_phone_number="15550001111"
    )

    post(client, "phone_quality_flagged.json")
    post(client, "account_disabled.json")

    ours.refresh_from_db()
    our_campaign.refresh_from_db()
    assert ours.status == ""
    assert our_campaign.status == Campaign.Status.ACTIVE
    assert not Alert.objects.filter(organization=organization).exists()
    assert not AuditLog.objects.filter(organization=organization).exists()
    assert not LiveMessage.objects.filter(organization=organization).exists()
    their_number.refresh_from_db()
    assert their_number.status == "FLAGGED"
    assert Alert.objects.filter(organization=other_organization).count() == 2
    frames = LiveMessage.objects.filter(
        organization=other_organization, type="sending_path.changed"
    )
    assert json.dumps(frames.first().payload)


@time_machine.travel(DURING_RESTRICTION, tick=False)
def test_a_person_cannot_resume_a_campaign_while_its_account_is_restricted(
    client, admin_client, webhook_settings, template
):
    campaign = factories.CampaignFactory(template=template)
    post(client, "account_restriction.json")

    response = admin_client.post(f"/api/v1/campaigns/{campaign.pk}/resume")

    assert response.status_code == 409
    assert "Meta restricted this account from starting conversations" in response.json()["detail"]
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PAUSED


def test_a_disabled_account_is_emailed_to_the_organizations_channel(
    client,
    webhook_settings,
    meta_waba,
    organization,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    factories.NotificationChannelFactory(organization=organization, recipients=["ops@example.com"])

    with django_capture_on_commit_callbacks(execute=True):
        post(client, "account_disabled.json")

    [email] = mailoutbox
    assert email.subject == (
        f"[Critical] {meta_waba.name}: Meta disabled this account on 20 Dec 2026."
    )
    assert email.to == ["ops@example.com"]


def test_a_campaign_resumes_only_once_its_template_and_its_account_can_send(
    client, webhook_settings, order_update
):
    campaign = factories.CampaignFactory(template=order_update, auto_resume=True)
    lifted = payload("account_restriction.json")
    lifted["entry"][0]["time"] = 1764900000
    lifted["entry"][0]["changes"][0]["value"]["restriction_info"] = []
    with time_machine.travel(DURING_RESTRICTION, tick=False):
        post(client, "status_paused.json")  # the template paused: the campaign with it
        post(client, "account_restriction.json")
        post(client, "status_reinstated.json")  # the template back, the account still not
        campaign.refresh_from_db()
        assert campaign.status == Campaign.Status.PAUSED

        signed_post(client, lifted)  # the account back too

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.ACTIVE
    assert not (campaign.paused_by_template or campaign.paused_by_account)


@time_machine.travel(DURING_RESTRICTION, tick=False)
def test_a_restriction_costs_the_same_few_statements_whatever_the_campaigns(
    client, webhook_settings, demo_number
):
    for _ in range(40):
        template = factories.WhatsAppTemplateFactory(phone_number=demo_number)
        factories.CampaignFactory(template=template)

    with CaptureQueriesContext(connection) as queries:
        post(client, "account_restriction.json")

    statements = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].split()[0] not in ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")
    ]
    # Stored, the account locked, updated, 40 campaigns paused, the alert, the audit entries,
    # the live messages, the outcome recorded.
    assert len(statements) <= 12
    assert Campaign.objects.filter(status=Campaign.Status.PAUSED).count() == 40


def test_each_number_has_its_own_alert(client, webhook_settings, demo_number, meta_waba):
    other = factories.PhoneNumberFactory(
        business_account=meta_waba, display_phone_number="+1 555 000 2222"
    )
    post(client, "phone_quality_flagged.json")
    other_flagged = payload("phone_quality_flagged.json")
    other_flagged["entry"][0]["changes"][0]["value"]["display_phone_number"] = "15550002222"
    signed_post(client, other_flagged)

    post(client, "phone_quality_unflagged.json")  # the first number only

    alerts = dict(
        Alert.objects.filter(kind=Alert.Kind.NUMBER_FLAGGED).values_list("phone_number", "status")
    )
    assert alerts == {demo_number.pk: Alert.Status.RESOLVED, other.pk: Alert.Status.OPEN}
