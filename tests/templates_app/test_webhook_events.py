"""What Meta's events do to templates, posted through the endpoint and read back from the DB."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from templates_app.changes import ChangeKind, ChangeSource, TemplateChange
from templates_app.meta import (
    category_update_body,
    combine,
    components_update_body,
    encode,
    quality_update_body,
    status_update_body,
)
from templates_app.models import (
    BLOCKED_STATUSES,
    QualityScore,
    TemplateStatus,
    WebhookDelivery,
    WhatsAppTemplate,
)
from tests import factories
from tests.conftest import PAYLOADS_TEMPLATE_ID, PAYLOADS_WABA_ID
from tests.webhooks import payload, payload_bytes, signed_post

pytestmark = pytest.mark.django_db

T0 = 1732435200  # entry.time of most payload files
PAUSED_DESCRIPTION = (
    "Your WhatsApp message template has been paused for 3 hours until Nov 24, 2026 at 5:00 PM UTC"
    " because it continued to have issues."
)


def at(unix_seconds: int) -> datetime:
    return datetime.fromtimestamp(unix_seconds, tz=UTC)


def deliver(client, body: bytes | dict[str, Any]) -> WebhookDelivery:
    """POST a signed body; Meta must get its 200; the stored delivery is returned."""
    response = signed_post(client, body)
    assert response.status_code == 200, response.content
    return WebhookDelivery.objects.get(pk=response.json()["delivery"])


def deliver_file(client, name: str) -> WebhookDelivery:
    return deliver(client, payload_bytes(name))


def status_event(
    event: str,
    *,
    occurred_at: int,
    template_id: str | int | None = PAYLOADS_TEMPLATE_ID,
    name: str = "order_update",
    language: str = "en_US",
    waba_id: str = PAYLOADS_WABA_ID,
    **extra: Any,
) -> dict[str, Any]:
    return status_update_body(
        waba_id=waba_id,
        event=event,
        template_id=template_id,
        name=name,
        language=language,
        occurred_at=occurred_at,
        **extra,
    )


def quality_event(new_quality: str, *, occurred_at: int, previous: str = "GREEN") -> dict:
    return quality_update_body(
        waba_id=PAYLOADS_WABA_ID,
        new_quality=new_quality,
        previous_quality=previous,
        template_id=PAYLOADS_TEMPLATE_ID,
        name="order_update",
        occurred_at=occurred_at,
    )


def outcome(delivery: WebhookDelivery, index: int = 0) -> dict[str, Any]:
    return delivery.outcomes[index]


def reloaded(template: WhatsAppTemplate) -> WhatsAppTemplate:
    template.refresh_from_db()
    return template


# --- every payload file ---------------------------------------------------------------------------


def test_approved_payload_approves_a_pending_template(client, webhook_settings, order_update):
    WhatsAppTemplate.objects.filter(pk=order_update.pk).update(
        status=TemplateStatus.PENDING, category=""
    )

    delivery = deliver_file(client, "status_approved.json")

    template = reloaded(order_update)
    assert template.status == TemplateStatus.APPROVED
    assert template.approved_at == at(T0)
    assert template.status_event_at == at(T0)
    assert template.category == "UTILITY"
    assert delivery.status == WebhookDelivery.Status.PROCESSED
    assert outcome(delivery)["result"] == "applied"
    assert outcome(delivery)["template_id"] == str(order_update.pk)


def test_rejected_payload_records_reason_and_recommendation(client, webhook_settings, order_update):
    WhatsAppTemplate.objects.filter(pk=order_update.pk).update(status=TemplateStatus.PENDING)

    deliver_file(client, "status_rejected.json")

    template = reloaded(order_update)
    assert template.status == TemplateStatus.REJECTED
    assert template.rejection_reason == (
        "INVALID_FORMAT: The template has a variable at the very start or end of the body."
    )
    assert template.rejection_recommendation == (
        "Move the variable into the middle of the body text and resubmit."
    )
    assert template.rejected_at == at(T0)
    assert template.is_blocked


def test_paused_payload_records_title_description_and_time(client, webhook_settings, order_update):
    deliver_file(client, "status_paused.json")

    template = reloaded(order_update)
    assert template.status == TemplateStatus.PAUSED
    assert template.paused_title == "FIRST_PAUSE"
    assert template.pause_description == PAUSED_DESCRIPTION
    assert template.paused_at == at(T0)
    assert template.is_blocked


@pytest.mark.parametrize(
    ("name", "entry_time"),
    [("status_disabled.json", T0), ("status_disabled_string_date.json", 1732521600)],
    ids=["integer-date", "string-date"],
)
def test_disabled_payload_records_disable_date_given_as_integer_or_string(
    client, webhook_settings, order_update, name, entry_time
):
    deliver_file(client, name)

    template = reloaded(order_update)
    assert template.status == TemplateStatus.DISABLED
    assert template.disable_date == at(1732521600)
    assert template.disabled_at == at(entry_time)
    assert template.disabled_reason == ""  # Meta's "NONE" is no reason
    assert template.is_blocked


def test_disabled_event_records_its_reason(client, webhook_settings, order_update):
    deliver(client, status_event("DISABLED", occurred_at=T0, reason="SCAM", disable_date=T0))

    template = reloaded(order_update)
    assert template.disabled_reason == "SCAM"
    assert template.disable_date == at(T0)


def test_flagged_payload_flags_the_template_which_still_sends(
    client, webhook_settings, order_update
):
    deliver_file(client, "status_flagged.json")

    template = reloaded(order_update)
    assert template.status == TemplateStatus.FLAGGED
    assert not template.is_blocked


def test_pending_deletion_payload_blocks_the_template(client, webhook_settings, order_update):
    deliver_file(client, "status_pending_deletion.json")

    template = reloaded(order_update)
    assert template.status == TemplateStatus.PENDING_DELETION
    assert template.is_blocked


def test_reinstated_payload_approves_a_paused_template_and_clears_the_pause(
    client, webhook_settings, order_update
):
    deliver_file(client, "status_paused.json")  # paused at T0
    reinstated = payload("status_reinstated.json")
    reinstated["entry"][0]["time"] = T0 + 3 * 3600

    deliver(client, reinstated)

    template = reloaded(order_update)
    assert template.status == TemplateStatus.APPROVED
    assert template.paused_title == ""
    assert template.pause_description == ""
    assert template.paused_at is None
    assert template.approved_at == at(T0 + 3 * 3600)


def test_approved_with_unpause_title_unpauses_and_clears_the_pause(
    client, webhook_settings, order_update
):
    deliver_file(client, "status_paused.json")
    assert reloaded(order_update).status == TemplateStatus.PAUSED

    deliver_file(client, "status_unpaused_approved.json")

    template = reloaded(order_update)
    assert template.status == TemplateStatus.APPROVED
    assert template.paused_title == ""
    assert template.pause_description == ""
    assert template.paused_at is None
    assert template.status_event_at == at(1732446000)


@pytest.mark.parametrize(
    "status_before", [TemplateStatus.PAUSED, TemplateStatus.FLAGGED, TemplateStatus.APPROVED]
)
def test_unarchived_payload_restores_the_status_before_archival(
    client, webhook_settings, order_update, status_before
):
    WhatsAppTemplate.objects.filter(pk=order_update.pk).update(status=status_before)
    deliver(client, status_event("ARCHIVED", occurred_at=T0 - 600))
    assert reloaded(order_update).status == TemplateStatus.ARCHIVED

    deliver_file(client, "status_unarchived.json")

    template = reloaded(order_update)
    assert template.status == status_before
    assert template.status_before_archive == ""


def test_repeated_archived_event_keeps_the_status_before_the_first(
    client, webhook_settings, order_update
):
    WhatsAppTemplate.objects.filter(pk=order_update.pk).update(status=TemplateStatus.FLAGGED)
    deliver(client, status_event("ARCHIVED", occurred_at=T0 - 600))
    deliver(client, status_event("ARCHIVED", occurred_at=T0 - 300))

    deliver_file(client, "status_unarchived.json")

    assert reloaded(order_update).status == TemplateStatus.FLAGGED


def test_quality_payload_updates_the_quality_score(client, webhook_settings, order_update):
    delivery = deliver_file(client, "quality_update.json")

    template = reloaded(order_update)
    assert template.quality_score == QualityScore.YELLOW
    assert template.quality_updated_at == at(T0)
    assert template.status == TemplateStatus.APPROVED
    assert delivery.fields == "message_template_quality_update"


def test_completed_category_change_sets_the_new_category(client, webhook_settings, order_update):
    deliver_file(client, "category_update.json")

    template = reloaded(order_update)
    assert template.category == "MARKETING"
    assert template.upcoming_category == ""
    assert template.category_change_at is None


def test_announced_category_change_keeps_the_category_and_records_the_upcoming_one(
    client, webhook_settings, order_update
):
    deliver_file(client, "category_update_impending.json")

    template = reloaded(order_update)
    assert template.category == "UTILITY"
    assert template.upcoming_category == "MARKETING"
    assert template.category_change_at == at(1732521600)


def test_completed_category_change_clears_the_announcement(client, webhook_settings, order_update):
    deliver_file(client, "category_update_impending.json")

    deliver_file(client, "category_update.json")

    template = reloaded(order_update)
    assert template.category == "MARKETING"
    assert template.upcoming_category == ""
    assert template.category_change_at is None


def test_components_payload_stores_title_body_footer_and_buttons(
    client, webhook_settings, order_update
):
    deliver_file(client, "components_update.json")

    template = reloaded(order_update)
    assert template.components == {
        "title": "Your order",
        "body": "Hi {{1}}, your order {{2}} has shipped and will arrive {{3}}.",
        "footer": "Reply STOP to opt out",
        "buttons": [
            {"type": "URL", "text": "Track order", "url": "https://shop.example/track/{{1}}"},
            {"type": "QUICK_REPLY", "text": "Talk to us"},
        ],
    }
    assert template.status == TemplateStatus.APPROVED


def test_batch_of_two_entries_applies_both_in_order(client, webhook_settings, meta_waba):
    # The first entry creates `welcome`; the second, its quality, needs it to exist already.
    delivery = deliver_file(client, "batch_two_entries.json")

    template = WhatsAppTemplate.objects.get(meta_template_id="1111111111111111")
    assert (template.name, template.language) == ("welcome", "pt_BR")
    assert template.status == TemplateStatus.APPROVED
    assert template.quality_score == QualityScore.GREEN
    assert template.status_event_at == at(1732435200)
    assert template.quality_event_at == at(1732435260)
    assert [(o["position"], o["result"]) for o in delivery.outcomes] == [
        ("entry[0].changes[0]", "applied"),
        ("entry[1].changes[0]", "applied"),
    ]
    assert delivery.fields == "message_template_status_update,message_template_quality_update"


def test_messages_field_is_stored_as_ignored_with_its_reason(
    client, webhook_settings, order_update
):
    body = payload_bytes("messages_field_ignored.json")

    response = signed_post(client, body)

    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    delivery = WebhookDelivery.objects.get()
    assert bytes(delivery.body) == body
    assert delivery.status == WebhookDelivery.Status.IGNORED
    assert delivery.attempts == 1
    assert outcome(delivery)["result"] == "ignored"
    assert outcome(delivery)["detail"] == "field 'messages' is not handled"
    assert outcome(delivery)["field"] == "messages"
    assert reloaded(order_update).status_event_at is None


# --- the specification's seed shapes --------------------------------------------------------------


@pytest.fixture
def seed_template(organization):
    """`hello_world` in WABA 987654321, plus a namesake in WABA 123456789 (the seed's entry.id)."""
    waba = factories.BusinessAccountFactory(organization=organization, waba_id="987654321")
    decoy_waba = factories.BusinessAccountFactory(organization=organization, waba_id="123456789")
    factories.WhatsAppTemplateFactory(
        phone_number__business_account=decoy_waba, name="hello_world", meta_template_id=None
    )
    return factories.WhatsAppTemplateFactory(
        phone_number__business_account=waba, name="hello_world", meta_template_id="1234567890"
    )


def test_seed_disabled_shape_disables_the_template_of_value_waba_id(
    client, webhook_settings, seed_template
):
    delivery = deliver_file(client, "seed_disabled.json")

    template = reloaded(seed_template)
    assert template.status == TemplateStatus.DISABLED
    assert template.disabled_reason == "QUALITY_ISSUES"
    # No entry.time: the time the delivery was received stands in.
    assert template.status_event_at == delivery.received_at
    assert delivery.waba_ids == "987654321"
    decoy = WhatsAppTemplate.objects.exclude(pk=seed_template.pk).get()
    assert decoy.status == TemplateStatus.APPROVED


def test_seed_quality_change_shape_updates_the_quality(client, webhook_settings, seed_template):
    delivery = deliver_file(client, "seed_quality_change.json")

    template = reloaded(seed_template)
    assert template.quality_score == QualityScore.RED
    assert template.status == TemplateStatus.APPROVED
    assert outcome(delivery)["result"] == "applied"
    decoy = WhatsAppTemplate.objects.exclude(pk=seed_template.pk).get()
    assert decoy.quality_score == QualityScore.GREEN


# --- bytes, ids and languages ---------------------------------------------------------------------

NAME_WITH_ACCENTS = "promoção_verão_é"


@pytest.mark.parametrize(
    "encoded_name",
    [NAME_WITH_ACCENTS.encode(), json.dumps(NAME_WITH_ACCENTS).strip('"').encode()],
    ids=["raw-utf8", "u-escapes"],
)
def test_template_name_with_accents_matches_in_raw_utf8_or_escaped_form(
    client, webhook_settings, meta_number, encoded_name
):
    template = factories.WhatsAppTemplateFactory(
        phone_number=meta_number, name=NAME_WITH_ACCENTS, meta_template_id=None
    )
    body = (
        b'{"object":"whatsapp_business_account","entry":[{"id":"102290129340398",'
        b'"time":1732435200,"changes":[{"field":"message_template_status_update","value":'
        b'{"event":"PAUSED","message_template_id":555,"message_template_name":"'
        + encoded_name
        + b'","message_template_language":"en_US","reason":"NONE"}}]}]}'
    )
    assert (b"\\u00e9" in body) != (NAME_WITH_ACCENTS.encode() in body)

    delivery = deliver(client, body)

    assert bytes(delivery.body) == body
    template = reloaded(template)
    assert template.status == TemplateStatus.PAUSED
    assert template.meta_template_id == "555"


def test_template_id_above_2_pow_53_is_kept_exact_when_learned(client, webhook_settings, meta_waba):
    big_id = 2**53 + 1  # a float would make it 2**53
    body = encode(status_event("APPROVED", occurred_at=T0, template_id=big_id, name="big"))
    assert f'"message_template_id": {big_id}'.encode() in body

    deliver(client, body)

    assert WhatsAppTemplate.objects.get(name="big").meta_template_id == "9007199254740993"


def test_template_with_the_largest_int64_id_is_found_by_it(client, webhook_settings, meta_number):
    template = factories.WhatsAppTemplateFactory(
        phone_number=meta_number, meta_template_id="9223372036854775807"
    )
    body = status_event(
        "PAUSED", occurred_at=T0, template_id=9223372036854775807, name="renamed_in_meta"
    )

    deliver(client, body)

    assert reloaded(template).status == TemplateStatus.PAUSED


def test_language_en_dash_us_matches_a_template_stored_as_en_underscore_us(
    client, webhook_settings, meta_number
):
    template = factories.WhatsAppTemplateFactory(
        phone_number=meta_number, name="order_update", language="en_US", meta_template_id=None
    )
    # A namesake in another language: only the language can tell them apart.
    factories.WhatsAppTemplateFactory(
        phone_number=meta_number, name="order_update", language="en_GB", meta_template_id=None
    )

    deliver(client, status_event("PAUSED", occurred_at=T0, language="en-US"))

    template = reloaded(template)
    assert template.status == TemplateStatus.PAUSED
    assert template.meta_template_id == PAYLOADS_TEMPLATE_ID
    assert WhatsAppTemplate.objects.get(language="en_GB").status == TemplateStatus.APPROVED


# --- finding the template -------------------------------------------------------------------------


def test_unknown_waba_is_answered_200_and_the_delivery_ignored(
    client, webhook_settings, order_update
):
    response = signed_post(client, status_event("PAUSED", occurred_at=T0, waba_id="999000999"))

    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.IGNORED
    assert outcome(delivery)["result"] == "ignored"
    assert outcome(delivery)["detail"] == "unknown WABA 999000999"
    assert reloaded(order_update).status == TemplateStatus.APPROVED


@pytest.mark.parametrize("event", ["PAUSED", "DISABLED", "REINSTATED", "FLAGGED"])
def test_event_for_an_unknown_template_is_ignored_and_creates_nothing(
    client, webhook_settings, meta_waba, event
):
    delivery = deliver(client, status_event(event, occurred_at=T0))

    assert delivery.status == WebhookDelivery.Status.IGNORED
    assert outcome(delivery)["result"] == "ignored"
    assert outcome(delivery)["detail"] == (
        f"unknown template order_update (en_US) id {PAYLOADS_TEMPLATE_ID}"
    )
    assert not WhatsAppTemplate.objects.exists()


def test_quality_event_for_an_unknown_template_is_ignored(client, webhook_settings, meta_waba):
    delivery = deliver_file(client, "quality_update.json")

    assert outcome(delivery)["detail"].startswith("unknown template order_update")
    assert not WhatsAppTemplate.objects.exists()


@pytest.mark.parametrize(
    ("event", "status"),
    [
        ("APPROVED", TemplateStatus.APPROVED),
        ("PENDING", TemplateStatus.PENDING),
        ("REJECTED", TemplateStatus.REJECTED),
    ],
)
def test_approved_pending_or_rejected_event_creates_an_unknown_template(
    client, webhook_settings, meta_waba, event, status
):
    body = status_event(event, occurred_at=T0, language="pt-BR", category="MARKETING")

    delivery = deliver(client, body)

    template = WhatsAppTemplate.objects.get()
    assert template.meta_template_id == PAYLOADS_TEMPLATE_ID
    assert (template.name, template.language, template.category) == (
        "order_update",
        "pt_BR",
        "MARKETING",
    )
    assert template.status == status
    assert template.business_account == meta_waba
    assert template.organization == meta_waba.organization
    assert delivery.status == WebhookDelivery.Status.PROCESSED


def test_template_found_by_name_and_language_learns_its_meta_id(
    client, webhook_settings, meta_number
):
    template = factories.WhatsAppTemplateFactory(
        phone_number=meta_number, name="order_update", language="en_US", meta_template_id=None
    )
    factories.WhatsAppTemplateFactory(
        phone_number=meta_number, name="order_update", language="pt_BR", meta_template_id=None
    )

    deliver_file(client, "status_paused.json")

    template = reloaded(template)
    assert template.status == TemplateStatus.PAUSED
    assert template.meta_template_id == PAYLOADS_TEMPLATE_ID
    other = WhatsAppTemplate.objects.get(language="pt_BR")
    assert (other.status, other.meta_template_id) == (TemplateStatus.APPROVED, None)


def test_template_found_by_name_alone_when_it_is_the_only_one(
    client, webhook_settings, organization
):
    waba = factories.BusinessAccountFactory(organization=organization, waba_id="987654321")
    template = factories.WhatsAppTemplateFactory(
        phone_number__business_account=waba, name="hello_world", meta_template_id=None
    )

    deliver_file(client, "seed_disabled.json")  # names no language

    template = reloaded(template)
    assert template.status == TemplateStatus.DISABLED
    assert template.meta_template_id == "1234567890"


def test_template_is_not_guessed_by_name_when_several_share_it(
    client, webhook_settings, organization
):
    waba = factories.BusinessAccountFactory(organization=organization, waba_id="987654321")
    number = factories.PhoneNumberFactory(business_account=waba)
    for language in ("en_US", "pt_BR"):
        factories.WhatsAppTemplateFactory(
            phone_number=number, name="hello_world", language=language, meta_template_id=None
        )

    delivery = deliver_file(client, "seed_disabled.json")

    assert outcome(delivery)["detail"].startswith("unknown template hello_world")
    assert set(WhatsAppTemplate.objects.values_list("status", flat=True)) == {"APPROVED"}


def test_only_namesake_in_another_language_is_not_taken_for_the_template(
    client, webhook_settings, meta_number
):
    # Meta's `order_update` (pt_BR) is not our `order_update` (en_US), even as the only namesake.
    template = factories.WhatsAppTemplateFactory(
        phone_number=meta_number, name="order_update", language="en_US", meta_template_id=None
    )

    delivery = deliver(client, status_event("PAUSED", occurred_at=T0, language="pt_BR"))

    assert outcome(delivery)["detail"] == (
        f"unknown template order_update (pt_BR) id {PAYLOADS_TEMPLATE_ID}"
    )
    template = reloaded(template)
    assert (template.status, template.meta_template_id) == (TemplateStatus.APPROVED, None)


def test_only_namesake_stored_without_a_language_is_found_by_name(
    client, webhook_settings, meta_number
):
    # Learned from a body that named no language (the seed shape): the name is all we have.
    template = factories.WhatsAppTemplateFactory(
        phone_number=meta_number, name="order_update", language="", meta_template_id=None
    )

    deliver(client, status_event("PAUSED", occurred_at=T0, language="en_US"))

    template = reloaded(template)
    assert (template.status, template.meta_template_id) == (
        TemplateStatus.PAUSED,
        PAYLOADS_TEMPLATE_ID,
    )


def test_template_with_another_meta_id_is_not_matched_by_name(
    client, webhook_settings, meta_number
):
    template = factories.WhatsAppTemplateFactory(
        phone_number=meta_number, name="order_update", meta_template_id="42"
    )

    delivery = deliver_file(client, "status_paused.json")

    assert outcome(delivery)["detail"].startswith("unknown template order_update")
    template = reloaded(template)
    assert (template.status, template.meta_template_id) == (TemplateStatus.APPROVED, "42")


def test_deleted_template_is_not_matched(client, webhook_settings, order_update):
    WhatsAppTemplate.objects.filter(pk=order_update.pk).update(deleted_at=at(T0 - 1))

    delivery = deliver_file(client, "status_paused.json")

    assert outcome(delivery)["result"] == "ignored"
    assert reloaded(order_update).status == TemplateStatus.APPROVED


def test_batch_with_unusable_changes_still_applies_the_others(
    client, webhook_settings, order_update
):
    float_id = status_event("DISABLED", occurred_at=T0)
    float_id["entry"][0]["changes"][0]["value"]["message_template_id"] = 1234567890123456.0
    unknown_event = status_event("EXPLODED", occurred_at=T0)
    body = combine(float_id, status_event("PAUSED", occurred_at=T0), unknown_event)
    raw = encode(body)
    assert b"1234567890123456.0" in raw

    delivery = deliver(client, raw)

    assert reloaded(order_update).status == TemplateStatus.PAUSED
    assert delivery.status == WebhookDelivery.Status.PROCESSED
    assert [o["result"] for o in delivery.outcomes] == ["ignored", "applied", "ignored"]
    assert "message_template_id must be an integer" in outcome(delivery, 0)["detail"]
    assert outcome(delivery, 2)["detail"] == "unknown event 'EXPLODED'"


# --- order: each dimension on its own -------------------------------------------------------------


def test_late_paused_event_does_not_undo_reinstatement(
    client, webhook_settings, order_update, change_log
):
    deliver(client, status_event("PAUSED", occurred_at=T0))
    deliver(client, status_event("REINSTATED", occurred_at=T0 + 3600))
    change_log.status.clear()

    late = deliver(client, status_event("PAUSED", occurred_at=T0 + 1800, reason="SCAM"))

    template = reloaded(order_update)
    assert template.status == TemplateStatus.APPROVED
    assert template.status_event_at == at(T0 + 3600)
    assert template.paused_at is None
    assert outcome(late)["result"] == "stale"
    assert late.status == WebhookDelivery.Status.PROCESSED
    assert change_log.status == []


def test_late_quality_event_does_not_undo_a_newer_quality(client, webhook_settings, order_update):
    deliver(client, quality_event("RED", occurred_at=T0 + 60))

    late = deliver(client, quality_event("YELLOW", occurred_at=T0))

    template = reloaded(order_update)
    assert template.quality_score == QualityScore.RED
    assert template.quality_event_at == at(T0 + 60)
    assert outcome(late)["result"] == "stale"


def test_late_category_change_does_not_undo_a_newer_one(client, webhook_settings, order_update):
    def change(previous: str, new: str, occurred_at: int) -> dict:
        return category_update_body(
            waba_id=PAYLOADS_WABA_ID,
            template_id=PAYLOADS_TEMPLATE_ID,
            name="order_update",
            previous_category=previous,
            new_category=new,
            occurred_at=occurred_at,
        )

    deliver(client, change("UTILITY", "MARKETING", T0 + 60))

    late = deliver(client, change("MARKETING", "AUTHENTICATION", T0))

    assert reloaded(order_update).category == "MARKETING"
    assert outcome(late)["result"] == "stale"


def test_late_components_update_does_not_undo_newer_components(
    client, webhook_settings, order_update
):
    def change(text: str, occurred_at: int) -> dict:
        return components_update_body(
            waba_id=PAYLOADS_WABA_ID,
            template_id=PAYLOADS_TEMPLATE_ID,
            name="order_update",
            body=text,
            occurred_at=occurred_at,
        )

    deliver(client, change("newer text", T0 + 60))

    late = deliver(client, change("older text", T0))

    assert reloaded(order_update).components["body"] == "newer text"
    assert outcome(late)["result"] == "stale"


def test_newer_quality_event_does_not_make_an_older_status_event_stale(
    client, webhook_settings, order_update
):
    deliver(client, quality_event("RED", occurred_at=T0 + 600))

    status = deliver(client, status_event("PAUSED", occurred_at=T0))

    template = reloaded(order_update)
    assert outcome(status)["result"] == "applied"
    assert (template.status, template.quality_score) == (TemplateStatus.PAUSED, "RED")


def test_newer_status_event_does_not_make_an_older_quality_event_stale(
    client, webhook_settings, order_update
):
    deliver(client, status_event("PAUSED", occurred_at=T0 + 600))

    quality = deliver(client, quality_event("RED", occurred_at=T0))

    template = reloaded(order_update)
    assert outcome(quality)["result"] == "applied"
    assert (template.status, template.quality_score) == (TemplateStatus.PAUSED, "RED")


# --- the change values the reactions get ----------------------------------------------------------


def test_status_change_sends_one_meta_free_change_value(
    client, webhook_settings, order_update, change_log
):
    WhatsAppTemplate.objects.filter(pk=order_update.pk).update(status=TemplateStatus.PAUSED)

    delivery = deliver_file(client, "status_reinstated.json")

    assert len(change_log.status) == 1
    change = change_log.status[0]
    assert isinstance(change, TemplateChange)
    assert change.template.pk == order_update.pk
    assert change.template.status == TemplateStatus.APPROVED
    assert (change.kind, change.previous, change.new) == (ChangeKind.STATUS, "PAUSED", "APPROVED")
    assert change.what_happened == "REINSTATED"
    assert change.reason == "Reinstated by Meta"
    assert change.occurred_at == at(T0)
    assert (change.source, change.delivery_id) == (ChangeSource.META, delivery.pk)
    assert change_log.quality == []


def test_change_value_holds_only_our_own_types(client, webhook_settings, order_update, change_log):
    deliver_file(client, "status_disabled.json")

    change = change_log.status[0]
    for field in dataclasses.fields(change):
        value = getattr(change, field.name)
        assert not type(value).__module__.startswith("templates_app.meta"), field.name
    assert "NONE" not in change.reason


def test_quality_change_sends_one_change_value_with_a_sentence(
    client, webhook_settings, order_update, change_log
):
    delivery = deliver_file(client, "quality_update.json")

    assert len(change_log.quality) == 1
    change = change_log.quality[0]
    assert change.template.quality_score == QualityScore.YELLOW
    assert (change.kind, change.previous, change.new) == (ChangeKind.QUALITY, "GREEN", "YELLOW")
    assert change.reason.startswith("Quality fell from high (green) to medium (yellow)")
    assert change.occurred_at == at(T0)
    assert change.delivery_id == delivery.pk
    assert change_log.status == []


def test_status_signal_is_not_sent_when_the_status_does_not_change(
    client, webhook_settings, order_update, change_log
):
    delivery = deliver_file(client, "status_approved.json")  # already APPROVED

    assert outcome(delivery)["result"] == "unchanged"
    assert change_log.status == []
    assert reloaded(order_update).status_event_at == at(T0)


def test_quality_signal_is_not_sent_when_the_quality_does_not_change(
    client, webhook_settings, order_update, change_log
):
    delivery = deliver(client, quality_event("GREEN", occurred_at=T0))  # already GREEN

    assert outcome(delivery)["result"] == "unchanged"
    assert change_log.quality == []


# --- what the REST API shows ----------------------------------------------------------------------


def template_detail(api_client, template: WhatsAppTemplate) -> dict[str, Any]:
    response = api_client.get(
        f"/api/v1/whatsapp/{template.phone_number_id}/templates/{template.pk}/"
    )
    assert response.status_code == 200
    return response.json()


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_template_detail_shows_pause_category_and_components_after_events(
    client, admin_client, webhook_settings, order_update
):
    deliver_file(client, "status_paused.json")  # T0
    deliver_file(client, "category_update_impending.json")  # T0
    deliver_file(client, "components_update.json")  # T0 + 600

    data = template_detail(admin_client, order_update)

    assert data["status"] == "PAUSED"
    assert data["paused_title"] == "FIRST_PAUSE"
    assert data["pause_description"] == PAUSED_DESCRIPTION
    assert parse_time(data["paused_at"]) == at(T0)
    assert data["category"] == "UTILITY"
    assert data["upcoming_category"] == "MARKETING"
    assert parse_time(data["category_change_at"]) == at(1732521600)
    assert data["components"]["title"] == "Your order"
    assert data["components"]["buttons"][1] == {"type": "QUICK_REPLY", "text": "Talk to us"}
    assert parse_time(data["last_event_at"]) == at(1732435800)


def test_template_detail_shows_rejection_reason_and_recommendation(
    client, admin_client, webhook_settings, order_update
):
    deliver_file(client, "status_rejected.json")

    data = template_detail(admin_client, order_update)

    assert data["status"] == "REJECTED"
    assert data["rejection_reason"].startswith("INVALID_FORMAT: ")
    assert data["rejection_recommendation"] == (
        "Move the variable into the middle of the body text and resubmit."
    )
    assert parse_time(data["last_event_at"]) == at(T0)


def test_template_detail_has_no_last_event_before_any_event(admin_client, order_update):
    assert template_detail(admin_client, order_update)["last_event_at"] is None


# --- blocked statuses -----------------------------------------------------------------------------


def test_blocked_statuses_are_exactly_those_under_which_meta_refuses_to_send():
    assert set(BLOCKED_STATUSES) == {
        "PAUSED",
        "DISABLED",
        "REJECTED",
        "PENDING_DELETION",
        "DELETED",
        "ARCHIVED",
        "LOCKED",
        "LIMIT_EXCEEDED",
    }
