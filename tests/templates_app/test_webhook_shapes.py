"""Every shape Meta has used, and values over their bounds, posted signed through the endpoint."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from audit.models import AuditLog
from campaigns.models import Campaign
from templates_app.meta import (
    Field,
    combine,
    correct_category_body,
    quality_update_body,
    status_update_body,
)
from templates_app.models import QualityScore, TemplateStatus, WebhookDelivery, WhatsAppTemplate
from tests import factories
from tests.conftest import PAYLOADS_TEMPLATE_ID, PAYLOADS_WABA_ID
from tests.webhooks import payload_bytes, signed_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhook_settings")]

T0 = 1732435200


def at(unix_seconds: int) -> datetime:
    return datetime.fromtimestamp(unix_seconds, tz=UTC)


def deliver(client, body: bytes | dict[str, Any]) -> WebhookDelivery:
    """POST a signed body; Meta must get its 200; the stored delivery is returned."""
    response = signed_post(client, body)
    assert response.status_code == 200, response.content
    return WebhookDelivery.objects.get(pk=response.json()["delivery"])


def reloaded(template: WhatsAppTemplate) -> WhatsAppTemplate:
    template.refresh_from_db()
    return template


def results(delivery: WebhookDelivery) -> list[tuple[str, str, str]]:
    return [(o["position"], o["result"], o["detail"]) for o in delivery.outcomes]


@pytest.fixture
def welcome(meta_number):
    """A second template of the payloads' WABA, PENDING: the valid change of each batch."""
    return factories.WhatsAppTemplateFactory(
        phone_number=meta_number,
        meta_template_id="1111111111111111",
        name="welcome",
        language="pt_BR",
        status=TemplateStatus.PENDING,
    )


def welcome_approved(occurred_at: int = T0) -> dict[str, Any]:
    return status_update_body(
        waba_id=PAYLOADS_WABA_ID,
        event="APPROVED",
        template_id="1111111111111111",
        name="welcome",
        language="pt_BR",
        occurred_at=occurred_at,
    )


def order_update_paused(**overrides: Any) -> dict[str, Any]:
    keys: dict[str, Any] = {
        "waba_id": PAYLOADS_WABA_ID,
        "event": "PAUSED",
        "template_id": PAYLOADS_TEMPLATE_ID,
        "name": "order_update",
        "occurred_at": T0,
        "other_info": {"title": "FIRST_PAUSE", "description": "Paused for 3 hours."},
    }
    keys.update(overrides)
    return status_update_body(**keys)


# --- one over-long value in a batch ------------------------------------------------------------

OVER_LONG = {
    "a 40-digit template id": (
        {"template_id": "1" * 40},
        "message_template_id longer than 19 digits",
    ),
    "an id beyond int64": (
        {"template_id": str(2**63)},
        "message_template_id greater than 9223372036854775807",
    ),
    "a 40-character category": (
        {"category": "C" * 40},
        "message_template_category longer than 32 characters",
    ),
    "a 100-character other_info.title": (
        {"other_info": {"title": "T" * 100}},
        "other_info.title longer than 64 characters",
    ),
    "a 100-character reason": ({"reason": "R" * 100}, "reason longer than 64 characters"),
    "a name over 512 characters": (
        {"name": "n" * 513, "template_id": None},
        "message_template_name longer than 512 characters",
    ),
    "a language over 16 characters": (
        {"language": "e" * 17},
        "message_template_language longer than 16 characters",
    ),
    "a NUL in a name": (
        {"name": "order\x00update"},
        "message_template_name contains control character U+0000",
    ),
    "a NUL in a description": (
        {"other_info": {"title": "FIRST_PAUSE", "description": "Paused\x00"}},
        "other_info.description contains control character U+0000",
    ),
    "a NUL in a reason": ({"reason": "SC\x00AM"}, "reason contains control character U+0000"),
}


@pytest.mark.parametrize(("overrides", "reason"), OVER_LONG.values(), ids=OVER_LONG.keys())
def test_batch_with_one_over_long_value_applies_the_rest_and_records_the_reason(
    client, order_update, welcome, overrides: dict[str, Any], reason: str
):
    campaign = factories.CampaignFactory(template=order_update, status=Campaign.Status.ACTIVE)
    body = combine(welcome_approved(), order_update_paused(**overrides), welcome_approved(T0 + 60))

    delivery = deliver(client, body)

    assert delivery.status == WebhookDelivery.Status.PROCESSED
    assert results(delivery)[1] == ("entry[1].changes[0]", "ignored", reason)
    assert [result for _, result, _ in results(delivery)] == ["applied", "ignored", "unchanged"]
    assert reloaded(welcome).status == TemplateStatus.APPROVED
    assert reloaded(order_update).status == TemplateStatus.APPROVED
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.ACTIVE


def test_batch_with_an_over_long_value_is_not_failed_on_redelivery(client, order_update, welcome):
    body = combine(welcome_approved(), order_update_paused(category="C" * 40))

    first = signed_post(client, body)
    again = signed_post(client, body)

    assert (first.status_code, again.status_code) == (200, 200)
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.PROCESSED


def test_value_at_its_limit_is_stored_whole(client, order_update):
    description = "d" * 4096
    title = "T" * 64

    deliver(
        client,
        order_update_paused(
            reason="R" * 64,
            category="C" * 32,
            other_info={"title": title, "description": description},
        ),
    )

    template = reloaded(order_update)
    assert template.status == TemplateStatus.PAUSED
    assert (template.paused_title, template.pause_description) == (title, description)
    assert template.category == "C" * 32


def test_new_template_with_a_name_of_512_characters_is_learned(client, meta_waba):
    name = "n" * 512

    deliver(
        client,
        status_update_body(
            waba_id=PAYLOADS_WABA_ID,
            event="APPROVED",
            template_id=str(2**63 - 1),
            name=name,
            language="e" * 16,
            occurred_at=T0,
        ),
    )

    template = WhatsAppTemplate.objects.get()
    assert (template.name, template.meta_template_id) == (name, "9223372036854775807")
    assert template.status == TemplateStatus.APPROVED


# --- shapes ------------------------------------------------------------------------------------


def test_quality_under_the_status_field_changes_quality(client, order_update):
    WhatsAppTemplate.objects.filter(pk=order_update.pk).update(quality_score=QualityScore.YELLOW)

    delivery = deliver(client, payload_bytes("quality_update_under_status_field.json"))

    template = reloaded(order_update)
    assert template.quality_score == QualityScore.RED
    assert template.quality_event_at == at(1732436400)
    assert template.status == TemplateStatus.APPROVED
    assert delivery.outcomes[0]["result"] == "applied"
    assert AuditLog.objects.get(action="template.quality_changed").changes["quality_score"] == [
        "YELLOW",
        "RED",
    ]


def test_quality_builder_under_the_status_field_changes_quality(client, order_update):
    body = quality_update_body(
        waba_id=PAYLOADS_WABA_ID,
        new_quality="yellow",
        previous_quality="green",
        template_id=PAYLOADS_TEMPLATE_ID,
        name="order_update",
        occurred_at=T0,
        field=Field.STATUS,
    )

    deliver(client, body)

    assert reloaded(order_update).quality_score == QualityScore.YELLOW


def test_correct_category_detection_is_stored_and_audited(client, order_update):
    delivery = deliver(client, payload_bytes("correct_category_detection.json"))

    template = reloaded(order_update)
    assert template.correct_category == "MARKETING"
    assert template.correct_category_detected_at == at(1732437000)
    assert template.category == "UTILITY"
    assert delivery.outcomes[0]["result"] == "applied"
    entry = AuditLog.objects.get(action="template.correct_category_detected")
    assert entry.target_id == str(order_update.pk)
    assert entry.delivery_id == delivery.pk
    assert "MARKETING" in entry.reason


def test_correct_category_in_lower_case_is_stored_upper_cased(client, order_update):
    deliver(client, payload_bytes("correct_category_detection_lowercase.json"))

    assert reloaded(order_update).correct_category == "UTILITY"


def test_correct_category_builder_body_is_applied(client, order_update):
    body = correct_category_body(
        waba_id=PAYLOADS_WABA_ID,
        template_id=PAYLOADS_TEMPLATE_ID,
        name="order_update",
        category="UTILITY",
        correct_category="AUTHENTICATION",
        occurred_at=T0,
    )

    deliver(client, body)

    assert reloaded(order_update).correct_category == "AUTHENTICATION"


def test_correct_category_over_its_bound_is_ignored_with_reason(client, order_update):
    body = correct_category_body(
        waba_id=PAYLOADS_WABA_ID,
        template_id=PAYLOADS_TEMPLATE_ID,
        name="order_update",
        category="UTILITY",
        correct_category="K" * 33,
        occurred_at=T0,
    )

    delivery = deliver(client, body)

    assert results(delivery) == [
        ("entry[0].changes[0]", "ignored", "correct_category longer than 32 characters")
    ]
    assert reloaded(order_update).correct_category == ""


def test_lower_case_locked_with_other_info_pauses_campaigns(client, order_update):
    campaign = factories.CampaignFactory(template=order_update, status=Campaign.Status.ACTIVE)

    deliver(client, payload_bytes("status_locked_lowercase.json"))

    template = reloaded(order_update)
    assert template.status == TemplateStatus.LOCKED
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PAUSED
    assert campaign.paused_by_template is True
    entry = AuditLog.objects.get(action="template.status_changed")
    assert entry.changes["status"] == ["APPROVED", "LOCKED"]


def test_mixed_case_rejection_is_stored_upper_cased(client, order_update):
    WhatsAppTemplate.objects.filter(pk=order_update.pk).update(status=TemplateStatus.PENDING)

    deliver(client, payload_bytes("status_rejected_mixed_case.json"))

    template = reloaded(order_update)
    assert template.status == TemplateStatus.REJECTED
    assert template.rejection_reason == "INVALID_FORMAT"
    assert template.category == "UTILITY"


def test_legacy_category_is_kept_as_text(client, order_update):
    WhatsAppTemplate.objects.filter(pk=order_update.pk).update(status=TemplateStatus.PENDING)

    delivery = deliver(client, payload_bytes("status_approved_legacy_category.json"))

    template = reloaded(order_update)
    assert (template.status, template.category) == (TemplateStatus.APPROVED, "TRANSACTIONAL")
    assert delivery.outcomes[0]["warnings"] == ["unknown category 'TRANSACTIONAL'"]


def test_buttons_without_a_type_keep_the_other_components(client, order_update):
    delivery = deliver(client, payload_bytes("components_unknown_button.json"))

    assert reloaded(order_update).components == {
        "title": None,
        "body": "Hi {{1}}, your parcel {{2}} is out for delivery.",
        "footer": None,
        "buttons": [
            {"type": "PHONE_NUMBER", "text": "Call the courier", "phone_number": "+15550100200"},
            {"type": "VOICE_CALL", "text": "Call us on WhatsApp"},
        ],
    }
    assert delivery.outcomes[0]["result"] == "applied"
    assert delivery.outcomes[0]["warnings"] == [
        "message_template_buttons[2] has no message_template_button_type; button dropped"
    ]


def test_unknown_button_type_keeps_the_other_components(client, order_update):
    delivery = deliver(client, payload_bytes("components_unknown_button_type.json"))

    assert reloaded(order_update).components == {
        "title": "Your order",
        "body": "Hi {{1}}, your order {{2}} is ready.",
        "footer": None,
        "buttons": [
            {"type": "URL", "text": "Track order", "url": "https://shop.example/track/{{1}}"},
            {"type": "COPY_CODE", "text": "Copy code"},
        ],
    }
    assert delivery.outcomes[0]["warnings"] == [
        "message_template_buttons[0] has unknown type 'HOLOGRAM'; button dropped"
    ]


def test_app_dashboard_test_body_is_an_unknown_waba_answered_200(client, order_update):
    response = signed_post(client, payload_bytes("dashboard_test.json"))

    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.IGNORED
    assert results(delivery) == [("entry[0].changes[0]", "ignored", "unknown WABA 0")]
    assert WhatsAppTemplate.objects.get() == order_update
    assert reloaded(order_update).status_event_at is None
