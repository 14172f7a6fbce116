from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from templates_app.meta import (
    KNOWN_BUTTON_TYPES,
    CategoryUpdate,
    ComponentsUpdate,
    CorrectCategoryDetection,
    Field,
    IgnoredChange,
    MetaPayloadError,
    ParsedDelivery,
    QualityScore,
    QualityUpdate,
    StatusEvent,
    StatusUpdate,
    TemplateEvent,
    TemplateRef,
    category_update_body,
    combine,
    components_update_body,
    correct_category_body,
    encode,
    normalize_language,
    parse_body,
    parse_delivery_body,
    parse_payload,
    quality_update_body,
    status_update_body,
)
from tests.templates_app.test_meta_sending_path import SENDING_PATH_EXPECTED
from tests.webhooks import PAYLOADS_DIR, payload_bytes

WABA = "102290129340398"
ORDER_UPDATE = TemplateRef("1234567890123456", "order_update", "en_US")
WELCOME = TemplateRef("1111111111111111", "welcome", "pt_BR")
SEED_WABA = "987654321"
SEED_TEMPLATE = TemplateRef("1234567890", "hello_world", None)
FIRST = "entry[0].changes[0]"


def at(unix_seconds: int) -> datetime:
    return datetime.fromtimestamp(unix_seconds, tz=UTC)


def load(name: str) -> dict[str, Any]:
    return json.loads(payload_bytes(name))


def value_of(name: str, entry: int = 0, change: int = 0) -> dict[str, Any]:
    return load(name)["entry"][entry]["changes"][change]["value"]


def change_body(value: Any, *, field: str = "message_template_status_update") -> bytes:
    """One-change body with the given value, as raw bytes."""
    entry = {"id": WABA, "time": 1732435200, "changes": [{"field": field, "value": value}]}
    return json.dumps({"object": "whatsapp_business_account", "entry": [entry]}).encode()


def status_value(**overrides: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "event": "APPROVED",
        "message_template_id": 1234567890123456,
        "message_template_name": "order_update",
        "message_template_language": "en_US",
        "reason": "NONE",
    }
    value.update(overrides)
    return {key: item for key, item in value.items() if item is not ...}


def only_event(body: bytes) -> TemplateEvent | IgnoredChange:
    (event,) = parse_delivery_body(body).events
    return event


# --- every payload file, field by field --------------------------------------------------------

EXPECTED: dict[str, Callable[[], tuple[TemplateEvent | IgnoredChange, ...]]] = {
    "batch_two_entries.json": lambda: (
        StatusUpdate(
            waba_id=WABA,
            template=WELCOME,
            occurred_at=at(1732435200),
            position=FIRST,
            raw=value_of("batch_two_entries.json", 0),
            event=StatusEvent.APPROVED,
            reason="NONE",
        ),
        QualityUpdate(
            waba_id=WABA,
            template=WELCOME,
            occurred_at=at(1732435260),
            position="entry[1].changes[0]",
            raw=value_of("batch_two_entries.json", 1),
            previous_quality=QualityScore.UNKNOWN,
            new_quality=QualityScore.GREEN,
        ),
    ),
    "category_update.json": lambda: (
        CategoryUpdate(
            waba_id=WABA,
            template=ORDER_UPDATE,
            occurred_at=at(1732435200),
            position=FIRST,
            raw=value_of("category_update.json"),
            previous_category="UTILITY",
            new_category="MARKETING",
        ),
    ),
    "category_update_impending.json": lambda: (
        CategoryUpdate(
            waba_id=WABA,
            template=ORDER_UPDATE,
            occurred_at=at(1732435200),
            position=FIRST,
            raw=value_of("category_update_impending.json"),
            new_category="UTILITY",
            correct_category="MARKETING",
            category_change_at=at(1732521600),
        ),
    ),
    "components_update.json": lambda: (
        ComponentsUpdate(
            waba_id=WABA,
            template=ORDER_UPDATE,
            occurred_at=at(1732435800),
            position=FIRST,
            raw=value_of("components_update.json"),
            title="Your order",
            body="Hi {{1}}, your order {{2}} has shipped and will arrive {{3}}.",
            footer="Reply STOP to opt out",
            buttons=(
                {"type": "URL", "text": "Track order", "url": "https://shop.example/track/{{1}}"},
                {"type": "QUICK_REPLY", "text": "Talk to us"},
            ),
        ),
    ),
    "components_unknown_button.json": lambda: (
        ComponentsUpdate(
            waba_id=WABA,
            template=ORDER_UPDATE,
            occurred_at=at(1732438200),
            position=FIRST,
            raw=value_of("components_unknown_button.json"),
            warnings=(
                "message_template_buttons[2] has no message_template_button_type; button dropped",
            ),
            body="Hi {{1}}, your parcel {{2}} is out for delivery.",
            buttons=(
                {
                    "type": "PHONE_NUMBER",
                    "text": "Call the courier",
                    "phone_number": "+15550100200",
                },
                {"type": "VOICE_CALL", "text": "Call us on WhatsApp"},
            ),
        ),
    ),
    "components_unknown_button_type.json": lambda: (
        ComponentsUpdate(
            waba_id=WABA,
            template=ORDER_UPDATE,
            occurred_at=at(1732438800),
            position=FIRST,
            raw=value_of("components_unknown_button_type.json"),
            warnings=("message_template_buttons[0] has unknown type 'HOLOGRAM'; button dropped",),
            title="Your order",
            body="Hi {{1}}, your order {{2}} is ready.",
            buttons=(
                {"type": "URL", "text": "Track order", "url": "https://shop.example/track/{{1}}"},
                {"type": "COPY_CODE", "text": "Copy code"},
            ),
        ),
    ),
    "correct_category_detection.json": lambda: (
        CorrectCategoryDetection(
            waba_id=WABA,
            template=ORDER_UPDATE,
            occurred_at=at(1732437000),
            position=FIRST,
            raw=value_of("correct_category_detection.json"),
            category="UTILITY",
            correct_category="MARKETING",
        ),
    ),
    "correct_category_detection_lowercase.json": lambda: (
        CorrectCategoryDetection(
            waba_id=WABA,
            template=ORDER_UPDATE,
            occurred_at=at(1732437000),
            position=FIRST,
            raw=value_of("correct_category_detection_lowercase.json"),
            category="MARKETING",
            correct_category="UTILITY",
        ),
    ),
    "dashboard_test.json": lambda: (
        StatusUpdate(
            waba_id="0",
            template=TemplateRef("12345678", "my_message_template", "en-US"),
            occurred_at=at(1732435200),
            position=FIRST,
            raw=value_of("dashboard_test.json"),
            event=StatusEvent.APPROVED,
        ),
    ),
    "messages_field_ignored.json": lambda: (
        IgnoredChange(
            position=FIRST,
            field="messages",
            waba_id=WABA,
            reason="field 'messages' is not handled",
            raw=value_of("messages_field_ignored.json"),
        ),
    ),
    "quality_update.json": lambda: (
        QualityUpdate(
            waba_id=WABA,
            template=ORDER_UPDATE,
            occurred_at=at(1732435200),
            position=FIRST,
            raw=value_of("quality_update.json"),
            previous_quality=QualityScore.GREEN,
            new_quality=QualityScore.YELLOW,
        ),
    ),
    "quality_update_under_status_field.json": lambda: (
        QualityUpdate(
            waba_id=WABA,
            template=TemplateRef("1234567890123456", "order_update", "en-US"),
            occurred_at=at(1732436400),
            position=FIRST,
            raw=value_of("quality_update_under_status_field.json"),
            previous_quality=QualityScore.YELLOW,
            new_quality=QualityScore.RED,
        ),
    ),
    "seed_disabled.json": lambda: (
        StatusUpdate(
            waba_id=SEED_WABA,
            template=SEED_TEMPLATE,
            occurred_at=None,
            position=FIRST,
            raw=value_of("seed_disabled.json"),
            warnings=("unknown reason 'QUALITY_ISSUES'",),
            event=StatusEvent.DISABLED,
            reason="QUALITY_ISSUES",
        ),
    ),
    "seed_quality_change.json": lambda: (
        QualityUpdate(
            waba_id=SEED_WABA,
            template=SEED_TEMPLATE,
            occurred_at=None,
            position=FIRST,
            raw=value_of("seed_quality_change.json"),
            previous_quality=None,
            new_quality=QualityScore.RED,
            reasons=("HIGH_FAILURE_RATE",),
        ),
    ),
    "status_approved.json": lambda: (
        StatusUpdate(
            waba_id=WABA,
            template=ORDER_UPDATE,
            occurred_at=at(1732435200),
            position=FIRST,
            raw=value_of("status_approved.json"),
            event=StatusEvent.APPROVED,
            reason="NONE",
            category="UTILITY",
        ),
    ),
    "status_approved_legacy_category.json": lambda: (
        StatusUpdate(
            waba_id=WABA,
            template=ORDER_UPDATE,
            occurred_at=at(1732435200),
            position=FIRST,
            raw=value_of("status_approved_legacy_category.json"),
            warnings=("unknown category 'TRANSACTIONAL'",),
            event=StatusEvent.APPROVED,
            reason="NONE",
            category="TRANSACTIONAL",
        ),
    ),
    "status_disabled.json": lambda: (
        StatusUpdate(
            waba_id=WABA,
            template=ORDER_UPDATE,
            occurred_at=at(1732435200),
            position=FIRST,
            raw=value_of("status_disabled.json"),
            event=StatusEvent.DISABLED,
            reason="NONE",
            category="UTILITY",
            disable_date=at(1732521600),
        ),
    ),
    "status_disabled_string_date.json": lambda: (
        StatusUpdate(
            waba_id=WABA,
            template=ORDER_UPDATE,
            occurred_at=at(1732521600),
            position=FIRST,
            raw=value_of("status_disabled_string_date.json"),
            event=StatusEvent.DISABLED,
            reason="NONE",
            category="UTILITY",
            other_info_title="DISABLED",
            other_info_description=(
                "Your WhatsApp message template has been disabled because it continued to have "
                "issues."
            ),
            disable_date=at(1732521600),
        ),
    ),
    "status_flagged.json": lambda: (
        StatusUpdate(
            waba_id=WABA,
            template=ORDER_UPDATE,
            occurred_at=at(1732435200),
            position=FIRST,
            raw=value_of("status_flagged.json"),
            event=StatusEvent.FLAGGED,
            reason="NONE",
            category="UTILITY",
        ),
    ),
    "status_locked_lowercase.json": lambda: (
        StatusUpdate(
            waba_id=WABA,
            template=ORDER_UPDATE,
            occurred_at=at(1732437600),
            position=FIRST,
            raw=value_of("status_locked_lowercase.json"),
            event=StatusEvent.LOCKED,
            other_info_title="RATE_LIMITING_PAUSE",
            other_info_description=(
                "Sending is limited while too many recipients block this template."
            ),
        ),
    ),
    "status_paused.json": lambda: (
        StatusUpdate(
            waba_id=WABA,
            template=ORDER_UPDATE,
            occurred_at=at(1732435200),
            position=FIRST,
            raw=value_of("status_paused.json"),
            event=StatusEvent.PAUSED,
            reason="NONE",
            other_info_title="FIRST_PAUSE",
            other_info_description=(
                "Your WhatsApp message template has been paused for 3 hours until Nov 24, 2026 "
                "at 5:00 PM UTC because it continued to have issues."
            ),
        ),
    ),
    "status_pending_deletion.json": lambda: (
        StatusUpdate(
            waba_id=WABA,
            template=ORDER_UPDATE,
            occurred_at=at(1732435200),
            position=FIRST,
            raw=value_of("status_pending_deletion.json"),
            event=StatusEvent.PENDING_DELETION,
            reason="NONE",
            category="UTILITY",
        ),
    ),
    "status_reinstated.json": lambda: (
        StatusUpdate(
            waba_id=WABA,
            template=ORDER_UPDATE,
            occurred_at=at(1732435200),
            position=FIRST,
            raw=value_of("status_reinstated.json"),
            event=StatusEvent.REINSTATED,
            reason="NONE",
            category="UTILITY",
        ),
    ),
    "status_rejected.json": lambda: (
        StatusUpdate(
            waba_id=WABA,
            template=ORDER_UPDATE,
            occurred_at=at(1732435200),
            position=FIRST,
            raw=value_of("status_rejected.json"),
            event=StatusEvent.REJECTED,
            reason="INVALID_FORMAT",
            category="UTILITY",
            rejection_reason="The template has a variable at the very start or end of the body.",
            rejection_recommendation=(
                "Move the variable into the middle of the body text and resubmit."
            ),
        ),
    ),
    "status_rejected_mixed_case.json": lambda: (
        StatusUpdate(
            waba_id=WABA,
            template=ORDER_UPDATE,
            occurred_at=at(1732435200),
            position=FIRST,
            raw=value_of("status_rejected_mixed_case.json"),
            event=StatusEvent.REJECTED,
            reason="INVALID_FORMAT",
            category="UTILITY",
        ),
    ),
    "status_unarchived.json": lambda: (
        StatusUpdate(
            waba_id=WABA,
            template=ORDER_UPDATE,
            occurred_at=at(1732435200),
            position=FIRST,
            raw=value_of("status_unarchived.json"),
            event=StatusEvent.UNARCHIVED,
            reason=None,
            category="UTILITY",
        ),
    ),
    "status_unpaused_approved.json": lambda: (
        StatusUpdate(
            waba_id=WABA,
            template=ORDER_UPDATE,
            occurred_at=at(1732446000),
            position=FIRST,
            raw=value_of("status_unpaused_approved.json"),
            event=StatusEvent.APPROVED,
            reason="NONE",
            other_info_title="UNPAUSE",
            other_info_description="Your WhatsApp message template has been unpaused.",
        ),
    ),
}


def test_every_payload_file_has_expected_events() -> None:
    # Fails (never skips) when the folder is missing or gains a body nobody checked.
    files = sorted(path.name for path in PAYLOADS_DIR.glob("*.json"))

    assert files
    checked = EXPECTED.keys() | SENDING_PATH_EXPECTED.keys()
    assert [name for name in files if name not in checked] == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_payload_file_parses_to_exact_events(name: str) -> None:
    delivery = parse_delivery_body(payload_bytes(name))

    assert delivery.events == EXPECTED[name]()


def test_unpause_is_approved_with_unpause_title() -> None:
    (unpaused,) = parse_delivery_body(payload_bytes("status_unpaused_approved.json")).events
    (approved,) = parse_delivery_body(payload_bytes("status_approved.json")).events

    assert isinstance(unpaused, StatusUpdate)
    assert unpaused.is_unpause
    assert isinstance(approved, StatusUpdate)
    assert not approved.is_unpause


def test_category_announcement_is_told_apart_from_completed_change() -> None:
    (done,) = parse_delivery_body(payload_bytes("category_update.json")).events
    (announced,) = parse_delivery_body(payload_bytes("category_update_impending.json")).events

    assert isinstance(done, CategoryUpdate)
    assert not done.is_announcement
    assert isinstance(announced, CategoryUpdate)
    assert announced.is_announcement


def test_components_update_as_components_is_json_ready() -> None:
    (event,) = parse_delivery_body(payload_bytes("components_update.json")).events
    assert isinstance(event, ComponentsUpdate)

    components = event.as_components()

    assert (
        json.loads(json.dumps(components))
        == components
        == {
            "title": "Your order",
            "body": "Hi {{1}}, your order {{2}} has shipped and will arrive {{3}}.",
            "footer": "Reply STOP to opt out",
            "buttons": [
                {"type": "URL", "text": "Track order", "url": "https://shop.example/track/{{1}}"},
                {"type": "QUICK_REPLY", "text": "Talk to us"},
            ],
        }
    )


def test_occurred_at_is_timezone_aware_utc() -> None:
    event = only_event(change_body(status_value()))

    assert isinstance(event, StatusUpdate)
    assert event.occurred_at == datetime(2024, 11, 24, 8, 0, tzinfo=UTC)
    assert event.occurred_at.utcoffset() is not None


def test_delivery_splits_applicable_and_ignored() -> None:
    delivery = parse_delivery_body(payload_bytes("batch_two_entries.json"))
    ignored = parse_delivery_body(payload_bytes("messages_field_ignored.json"))

    assert [type(event) for event in delivery.applicable] == [StatusUpdate, QualityUpdate]
    assert delivery.ignored == ()
    assert ignored.applicable == ()
    assert len(ignored.ignored) == 1


# --- template ids ------------------------------------------------------------------------------


def test_template_id_above_2_pow_53_is_kept_exact() -> None:
    body = change_body(status_value(message_template_id=2**53 + 1))
    assert b"9007199254740993" in body

    event = only_event(body)

    assert isinstance(event, StatusUpdate)
    assert event.template.meta_template_id == "9007199254740993"


def test_int64_max_template_id_is_kept_exact() -> None:
    event = only_event(change_body(status_value(message_template_id=2**63 - 1)))

    assert isinstance(event, StatusUpdate)
    assert event.template.meta_template_id == "9223372036854775807"


def test_numeric_string_template_id_is_accepted() -> None:
    event = only_event(change_body(status_value(message_template_id="1234567890123456")))

    assert isinstance(event, StatusUpdate)
    assert event.template == ORDER_UPDATE


def test_float_template_id_is_ignored_with_reason() -> None:
    event = only_event(change_body(status_value(message_template_id=1.5)))

    assert isinstance(event, IgnoredChange)
    assert event.reason == "message_template_id must be an integer or a numeric string, got float"
    assert event.field == "message_template_status_update"
    assert event.waba_id == WABA
    assert event.position == FIRST


def test_float_written_like_an_integer_is_still_ignored() -> None:
    body = change_body(status_value(message_template_id=0)).replace(
        b'"message_template_id": 0', b'"message_template_id": 1234567890123456.0'
    )

    event = only_event(body)

    assert isinstance(event, IgnoredChange)
    assert event.reason.endswith("got float")


@pytest.mark.parametrize("template_id", [True, False])
def test_bool_template_id_is_ignored(template_id: bool) -> None:
    event = only_event(change_body(status_value(message_template_id=template_id)))

    assert isinstance(event, IgnoredChange)
    assert event.reason == "message_template_id must be an integer or a numeric string, got bool"


@pytest.mark.parametrize("template_id", ["12ab", "", " 123", "-5", "١٢٣"])
def test_non_digit_string_template_id_is_ignored(template_id: str) -> None:
    event = only_event(change_body(status_value(message_template_id=template_id)))

    assert isinstance(event, IgnoredChange)
    assert event.reason == "message_template_id must be an integer or a numeric string, got str"


def test_negative_template_id_is_ignored() -> None:
    event = only_event(change_body(status_value(message_template_id=-1)))

    assert isinstance(event, IgnoredChange)
    assert event.reason == "message_template_id must not be negative, got -1"


def test_template_name_alone_is_enough() -> None:
    event = only_event(change_body(status_value(message_template_id=...)))

    assert isinstance(event, StatusUpdate)
    assert event.template == TemplateRef(None, "order_update", "en_US")


def test_template_id_alone_is_enough() -> None:
    value = status_value(message_template_name=..., message_template_language=...)

    event = only_event(change_body(value))

    assert isinstance(event, StatusUpdate)
    assert event.template == TemplateRef("1234567890123456", None, None)


def test_change_without_template_id_or_name_is_ignored() -> None:
    event = only_event(
        change_body(status_value(message_template_id=..., message_template_name=...))
    )

    assert isinstance(event, IgnoredChange)
    assert event.reason == "message_template_id or message_template_name is required"


def test_non_string_template_name_is_ignored() -> None:
    event = only_event(change_body(status_value(message_template_name=42)))

    assert isinstance(event, IgnoredChange)
    assert event.reason == "message_template_name must be a string, got int"


# --- names and languages -----------------------------------------------------------------------


def test_raw_utf8_and_escaped_names_parse_to_same_string() -> None:
    escaped = change_body(status_value(message_template_name="caf\u00e9_promo"))
    raw_utf8 = escaped.replace(b"caf\\u00e9", "café".encode())
    assert b"\\u00e9" in escaped
    assert "é".encode() in raw_utf8
    assert escaped != raw_utf8

    from_escaped = only_event(escaped)
    from_raw = only_event(raw_utf8)

    assert isinstance(from_escaped, StatusUpdate)
    assert isinstance(from_raw, StatusUpdate)
    assert from_escaped.template.name == from_raw.template.name == "café_promo"


def test_language_is_kept_as_sent() -> None:
    event = only_event(change_body(status_value(message_template_language="en-US")))

    assert isinstance(event, StatusUpdate)
    assert event.template.language == "en-US"


@pytest.mark.parametrize(
    ("left", "right"),
    [("en-US", "en_US"), ("en_us", "EN-US"), ("pt_BR", "pt-br"), ("en", "EN")],
)
def test_languages_with_dash_or_underscore_normalize_alike(left: str, right: str) -> None:
    assert normalize_language(left) == normalize_language(right)


def test_normalize_language_gives_lowercase_underscore_code() -> None:
    assert normalize_language("en-US") == "en_us"
    assert normalize_language("en") == "en"
    assert normalize_language("en_US") != normalize_language("en")


# --- status values -----------------------------------------------------------------------------


@pytest.mark.parametrize("event", list(StatusEvent))
def test_every_status_event_is_parsed(event: StatusEvent) -> None:
    parsed = only_event(change_body(status_value(event=event.value)))

    assert isinstance(parsed, StatusUpdate)
    assert parsed.event is event


def test_unknown_event_is_ignored_with_reason() -> None:
    event = only_event(change_body(status_value(event="FOO")))

    assert isinstance(event, IgnoredChange)
    assert event.reason == "unknown event 'FOO'"
    assert event.raw == status_value(event="FOO")


@pytest.mark.parametrize("sent", ["approved", "Approved", "aPPROVED"])
def test_event_in_any_letter_case_is_parsed(sent: str) -> None:
    event = only_event(change_body(status_value(event=sent)))

    assert isinstance(event, StatusUpdate)
    assert event.event is StatusEvent.APPROVED


def test_reason_category_and_title_in_any_letter_case_are_stored_upper_cased() -> None:
    value = status_value(
        event="paused",
        reason="scam",
        message_template_category="marketing",
        other_info={"title": "First_Pause", "description": "Paused for 3 hours."},
    )

    event = only_event(change_body(value))

    assert isinstance(event, StatusUpdate)
    assert (event.event, event.reason, event.category, event.other_info_title) == (
        StatusEvent.PAUSED,
        "SCAM",
        "MARKETING",
        "FIRST_PAUSE",
    )
    assert event.other_info_description == "Paused for 3 hours."
    assert event.warnings == ()


def test_missing_event_is_ignored_with_reason() -> None:
    event = only_event(change_body(status_value(event=...)))

    assert isinstance(event, IgnoredChange)
    assert event.reason == "missing required key 'event'"


def test_unknown_reason_is_kept_with_warning() -> None:
    event = only_event(change_body(status_value(event="DISABLED", reason="QUALITY_ISSUES")))

    assert isinstance(event, StatusUpdate)
    assert event.reason == "QUALITY_ISSUES"
    assert event.warnings == ("unknown reason 'QUALITY_ISSUES'",)


def test_null_reason_is_none() -> None:
    event = only_event(change_body(status_value(reason=None)))

    assert isinstance(event, StatusUpdate)
    assert event.reason is None
    assert event.warnings == ()


def test_missing_reason_is_none() -> None:
    event = only_event(change_body(status_value(reason=...)))

    assert isinstance(event, StatusUpdate)
    assert event.reason is None


def test_unknown_category_and_other_info_title_are_kept_with_warnings() -> None:
    value = status_value(
        message_template_category="TRANSACTIONAL", other_info={"title": "THIRD_PAUSE"}
    )

    event = only_event(change_body(value))

    assert isinstance(event, StatusUpdate)
    assert (event.category, event.other_info_title) == ("TRANSACTIONAL", "THIRD_PAUSE")
    assert event.warnings == (
        "unknown category 'TRANSACTIONAL'",
        "unknown other_info.title 'THIRD_PAUSE'",
    )


def test_disable_date_as_numeric_string_is_a_utc_datetime() -> None:
    value = status_value(event="DISABLED", disable_info={"disable_date": "1732521600"})

    event = only_event(change_body(value))

    assert isinstance(event, StatusUpdate)
    assert event.disable_date == datetime(2024, 11, 25, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("disable_date", "kind"), [("tomorrow", "str"), (1.5, "float"), (True, "bool")]
)
def test_malformed_disable_date_is_ignored(disable_date: Any, kind: str) -> None:
    value = status_value(event="DISABLED", disable_info={"disable_date": disable_date})

    event = only_event(change_body(value))

    assert isinstance(event, IgnoredChange)
    assert event.reason == (
        f"disable_info.disable_date must be an integer or a numeric string, got {kind}"
    )


def test_out_of_range_disable_date_is_ignored() -> None:
    value = status_value(event="DISABLED", disable_info={"disable_date": 10**30})

    event = only_event(change_body(value))

    assert isinstance(event, IgnoredChange)
    assert event.reason == f"disable_info.disable_date {10**30} is out of range"


def test_other_info_that_is_not_an_object_is_ignored() -> None:
    event = only_event(change_body(status_value(other_info="UNPAUSE")))

    assert isinstance(event, IgnoredChange)
    assert event.reason == "other_info must be an object, got str"


def test_lower_case_unpause_title_is_an_unpause() -> None:
    event = only_event(change_body(status_value(event="approved", other_info={"title": "unpause"})))

    assert isinstance(event, StatusUpdate)
    assert event.is_unpause


# --- quality values ----------------------------------------------------------------------------


def test_unknown_quality_is_ignored_with_reason() -> None:
    value = {
        "previous_quality_score": "GREEN",
        "new_quality_score": "BLUE",
        "message_template_id": 1234567890123456,
        "message_template_name": "order_update",
        "message_template_language": "en_US",
    }

    event = only_event(change_body(value, field="message_template_quality_update"))

    assert isinstance(event, IgnoredChange)
    assert event.reason == "unknown quality 'BLUE'"
    assert event.field == "message_template_quality_update"


def test_missing_new_quality_is_ignored_with_reason() -> None:
    value = {"message_template_id": 1234567890123456, "previous_quality_score": "GREEN"}

    event = only_event(change_body(value, field="message_template_quality_update"))

    assert isinstance(event, IgnoredChange)
    assert event.reason == "missing required key 'new_quality_score'"


def test_seed_quality_change_with_unknown_score_is_ignored() -> None:
    value = {"event": "QUALITY_CHANGE", "quality_score": "PURPLE", "message_template_id": "1"}

    event = only_event(change_body(value))

    assert isinstance(event, IgnoredChange)
    assert event.reason == "unknown quality 'PURPLE'"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        (
            "message_template_quality_update",
            {"previous_quality_score": "green", "new_quality_score": "Red"},
        ),
        (
            "message_template_status_update",
            {"previous_quality_score": "green", "new_quality_score": "Red"},
        ),
        ("message_template_status_update", {"event": "quality_change", "quality_score": "red"}),
    ],
    ids=["quality field", "status field without event", "seed event"],
)
def test_quality_in_any_letter_case_is_parsed(field: str, value: dict[str, Any]) -> None:
    value = {**value, "message_template_id": 7, "quality_score_reason": ["high_failure_rate"]}

    event = only_event(change_body(value, field=field))

    assert isinstance(event, QualityUpdate)
    assert event.new_quality is QualityScore.RED
    assert event.reasons == ("HIGH_FAILURE_RATE",)


def test_status_field_without_event_or_quality_is_ignored() -> None:
    event = only_event(change_body({"message_template_id": 7, "previous_quality_score": "RED"}))

    assert isinstance(event, IgnoredChange)
    assert event.reason == "missing required key 'event'"


def test_correct_category_detection_without_correct_category_is_ignored() -> None:
    value = {"message_template_id": 7, "category": "UTILITY"}

    event = only_event(change_body(value, field="template_correct_category_detection"))

    assert isinstance(event, IgnoredChange)
    assert event.reason == "missing required key 'correct_category'"
    assert event.field == "template_correct_category_detection"


# --- category and components values ------------------------------------------------------------


def test_category_update_without_any_category_is_ignored() -> None:
    value = {"message_template_id": 1234567890123456, "message_template_name": "order_update"}

    event = only_event(change_body(value, field="template_category_update"))

    assert isinstance(event, IgnoredChange)
    assert event.reason == "template_category_update has neither new_category nor correct_category"


def test_components_update_keeps_content_when_a_button_has_no_type() -> None:
    value = {
        "message_template_id": 1,
        "message_template_element": "Hi {{1}}",
        "message_template_buttons": [{"text": "no type"}],
    }

    event = only_event(change_body(value, field="message_template_components_update"))

    assert isinstance(event, ComponentsUpdate)
    assert (event.body, event.buttons) == ("Hi {{1}}", ())
    assert event.warnings == (
        "message_template_buttons[0] has no message_template_button_type; button dropped",
    )


@pytest.mark.parametrize(
    ("button", "warning"),
    [
        ("CALL_ME", "message_template_buttons[0] must be an object, got str; button dropped"),
        (
            {"message_template_button_type": 7},
            "message_template_buttons[0].message_template_button_type must be a string, got int"
            "; button dropped",
        ),
        (
            {"message_template_button_type": "URL", "message_template_button_url": ["a"]},
            "message_template_buttons[0].message_template_button_url must be a string, a number"
            " or a boolean, got list; button dropped",
        ),
        (
            {"message_template_button_type": "URL", "message_template_button_text": "a\x00b"},
            "message_template_buttons[0].message_template_button_text contains control"
            " character U+0000; button dropped",
        ),
        (
            {"message_template_button_type": "URL", "message_template_button_url": "u" * 2049},
            "message_template_buttons[0].message_template_button_url longer than 2048 characters"
            "; button dropped",
        ),
    ],
)
def test_malformed_button_is_dropped_with_a_warning(button: Any, warning: str) -> None:
    quick_reply = {
        "message_template_button_type": "quick_reply",
        "message_template_button_text": "Hi",
    }
    value = {"message_template_id": 1, "message_template_buttons": [button, quick_reply]}

    event = only_event(change_body(value, field="message_template_components_update"))

    assert isinstance(event, ComponentsUpdate)
    assert event.buttons == ({"type": "QUICK_REPLY", "text": "Hi"},)
    assert event.warnings == (warning,)


@pytest.mark.parametrize("button_type", sorted(KNOWN_BUTTON_TYPES))
def test_every_known_button_type_is_kept(button_type: str) -> None:
    value = {
        "message_template_id": 1,
        "message_template_buttons": [{"message_template_button_type": button_type.lower()}],
    }

    event = only_event(change_body(value, field="message_template_components_update"))

    assert isinstance(event, ComponentsUpdate)
    assert event.buttons == ({"type": button_type},)
    assert event.warnings == ()


def test_components_update_with_buttons_that_are_not_a_list_is_ignored() -> None:
    value = {"message_template_id": 1, "message_template_buttons": {"type": "URL"}}

    event = only_event(change_body(value, field="message_template_components_update"))

    assert isinstance(event, IgnoredChange)
    assert event.reason == "message_template_buttons must be a list, got object"


# --- WABA id and entry time --------------------------------------------------------------------


def test_seed_waba_id_in_value_wins_over_entry_id() -> None:
    event = only_event(change_body(status_value(waba_id="987654321")))

    assert isinstance(event, StatusUpdate)
    assert event.waba_id == "987654321"


def test_integer_waba_id_becomes_string() -> None:
    event = only_event(change_body(status_value(waba_id=987654321)))

    assert isinstance(event, StatusUpdate)
    assert event.waba_id == "987654321"


def test_missing_waba_id_is_ignored_with_reason() -> None:
    entry = {"time": 1732435200, "changes": [{"field": "message_template_status_update"}]}
    entry["changes"][0]["value"] = status_value()
    payload = {"object": "whatsapp_business_account", "entry": [entry]}

    (event,) = parse_payload(payload).events

    assert isinstance(event, IgnoredChange)
    assert event.reason == "missing WABA id: no value.waba_id and no usable entry.id"
    assert event.waba_id is None


def test_malformed_waba_id_in_value_is_ignored() -> None:
    event = only_event(change_body(status_value(waba_id=1.5)))

    assert isinstance(event, IgnoredChange)
    assert event.reason == "waba_id must be a non-empty string or an integer, got float"


@pytest.mark.parametrize(("time", "kind"), [("1732435200", "str"), (1732435200.5, "float")])
def test_non_integer_entry_time_gives_warning_and_no_time(time: Any, kind: str) -> None:
    payload = json.loads(change_body(status_value()))
    payload["entry"][0]["time"] = time

    (event,) = parse_payload(payload).events

    assert isinstance(event, StatusUpdate)
    assert event.occurred_at is None
    assert event.warnings == (f"entry.time must be an integer, got {kind}; time ignored",)


def test_missing_entry_time_gives_no_time_and_no_warning() -> None:
    payload = json.loads(change_body(status_value()))
    del payload["entry"][0]["time"]

    (event,) = parse_payload(payload).events

    assert isinstance(event, StatusUpdate)
    assert (event.occurred_at, event.warnings) == (None, ())


# --- batches -----------------------------------------------------------------------------------


def test_batch_with_one_bad_change_keeps_the_others_in_order() -> None:
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": WABA,
                "time": 1732435200,
                "changes": [
                    {"field": "message_template_status_update", "value": status_value()},
                    {
                        "field": "message_template_status_update",
                        "value": status_value(message_template_id=1.5),
                    },
                    "not a change",
                ],
            },
            ["not", "an", "entry"],
            {"id": WABA, "time": 1732435260, "changes": "nope"},
            {
                "id": WABA,
                "time": 1732435320,
                "changes": [
                    {"field": "messages", "value": {}},
                    {"value": status_value()},
                    {"field": "message_template_status_update", "value": None},
                    {
                        "field": "message_template_status_update",
                        "value": status_value(event="PAUSED"),
                    },
                ],
            },
        ],
    }

    delivery = parse_payload(payload)

    assert [(type(event).__name__, event.position) for event in delivery.events] == [
        ("StatusUpdate", "entry[0].changes[0]"),
        ("IgnoredChange", "entry[0].changes[1]"),
        ("IgnoredChange", "entry[0].changes[2]"),
        ("IgnoredChange", "entry[1]"),
        ("IgnoredChange", "entry[2]"),
        ("IgnoredChange", "entry[3].changes[0]"),
        ("IgnoredChange", "entry[3].changes[1]"),
        ("IgnoredChange", "entry[3].changes[2]"),
        ("StatusUpdate", "entry[3].changes[3]"),
    ]
    assert [event.reason for event in delivery.ignored] == [
        "message_template_id must be an integer or a numeric string, got float",
        "change must be an object, got str",
        "entry must be an object, got list",
        "entry.changes must be a list, got str",
        "field 'messages' is not handled",
        "change has no 'field'",
        "change value must be an object, got null",
    ]
    paused = delivery.applicable[1]
    assert isinstance(paused, StatusUpdate)
    assert (paused.event, paused.occurred_at) == (StatusEvent.PAUSED, at(1732435320))


def test_empty_entry_list_gives_no_events() -> None:
    delivery = parse_payload({"object": "whatsapp_business_account", "entry": []})

    assert delivery == ParsedDelivery(events=())


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
change_values = st.fixed_dictionaries(
    {},
    optional={
        "event": st.sampled_from(["APPROVED", "QUALITY_CHANGE", "FOO"]) | json_values,
        "message_template_id": st.integers() | st.text(max_size=4) | json_values,
        "message_template_name": st.text(max_size=4) | json_values,
        "waba_id": json_values,
        "reason": json_values,
        "quality_score": st.sampled_from(["RED", "BLUE"]) | json_values,
        "new_quality_score": json_values,
        "previous_quality_score": st.sampled_from(["green", "RED"]) | json_values,
        "category": json_values,
        "message_template_language": st.text(max_size=20) | json_values,
        "other_info": json_values,
        "disable_info": json_values,
        "rejection_info": json_values,
        "new_category": json_values,
        "correct_category": json_values,
        "category_update_timestamp": json_values,
        "message_template_buttons": json_values,
    },
)
changes = st.fixed_dictionaries(
    {},
    optional={
        "field": st.sampled_from(
            [
                "message_template_status_update",
                "message_template_quality_update",
                "template_category_update",
                "message_template_components_update",
                "template_correct_category_detection",
                "messages",
            ]
        )
        | json_values,
        "value": change_values | json_values,
    },
)
entries = st.fixed_dictionaries(
    {},
    optional={"id": json_values, "time": json_values, "changes": st.lists(changes) | json_values},
)


@settings(max_examples=300, deadline=None)
@given(st.lists(entries | json_values, max_size=4))
def test_anything_inside_entries_never_raises(entry_list: list[Any]) -> None:
    delivery = parse_payload({"object": "whatsapp_business_account", "entry": entry_list})

    for event in delivery.ignored:
        assert event.reason


# --- whole-body errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"", b"{", b"not json", b'{"object": NaN}', b'{"a": Infinity}', b"\xff\xfe{}"],
)
def test_invalid_json_raises_payload_error(body: bytes) -> None:
    with pytest.raises(MetaPayloadError, match=r"^Request body is not valid JSON\.$"):
        parse_delivery_body(body)


@pytest.mark.parametrize("body", [b"[" * 5000, b"[" * 65 + b"]" * 65], ids=["unclosed", "closed"])
def test_json_nested_beyond_the_limit_raises_payload_error(body: bytes) -> None:
    with pytest.raises(
        MetaPayloadError,
        match=r"^Request body: JSON nested more than 64 levels deep is not accepted\.$",
    ):
        parse_body(body)


@pytest.mark.parametrize(("body", "kind"), [(b"[]", "list"), (b'"x"', "str"), (b"3", "int")])
def test_top_level_non_object_raises_payload_error(body: bytes, kind: str) -> None:
    with pytest.raises(MetaPayloadError, match=rf"^Request body must be a JSON object, got {kind}"):
        parse_delivery_body(body)


def test_wrong_object_raises_payload_error() -> None:
    body = b'{"object": "page", "entry": []}'

    with pytest.raises(MetaPayloadError) as error:
        parse_delivery_body(body)

    assert str(error.value) == "Unsupported object 'page'; expected 'whatsapp_business_account'."


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"entry": []}, "Payload has no 'object'; expected 'whatsapp_business_account'."),
        ({"object": "whatsapp_business_account"}, "Payload has no 'entry' list."),
        (
            {"object": "whatsapp_business_account", "entry": {}},
            "Payload 'entry' must be a list, got object.",
        ),
    ],
)
def test_bad_envelope_raises_payload_error(payload: dict[str, Any], message: str) -> None:
    with pytest.raises(MetaPayloadError) as error:
        parse_payload(payload)

    assert str(error.value) == message


def test_payload_error_is_a_value_error() -> None:
    assert issubclass(MetaPayloadError, ValueError)


def test_parse_body_keeps_big_integers_exact() -> None:
    assert parse_body(b'{"n": 9007199254740993}') == {"n": 9007199254740993}


# --- builders ----------------------------------------------------------------------------------


def test_builders_reproduce_payload_files() -> None:
    assert status_update_body(
        waba_id=WABA,
        event="REJECTED",
        template_id="1234567890123456",
        name="order_update",
        occurred_at=1732435200,
        reason="INVALID_FORMAT",
        category="UTILITY",
        rejection_info={
            "reason": "The template has a variable at the very start or end of the body.",
            "recommendation": "Move the variable into the middle of the body text and resubmit.",
        },
    ) == load("status_rejected.json")
    assert quality_update_body(
        waba_id=WABA,
        new_quality="YELLOW",
        previous_quality="GREEN",
        template_id=1234567890123456,
        name="order_update",
        occurred_at=1732435200,
    ) == load("quality_update.json")
    assert category_update_body(
        waba_id=WABA,
        template_id=1234567890123456,
        name="order_update",
        new_category="UTILITY",
        correct_category="MARKETING",
        category_change_at=1732521600,
        occurred_at=1732435200,
    ) == load("category_update_impending.json")
    assert components_update_body(
        waba_id=WABA,
        template_id=1234567890123456,
        name="order_update",
        title="Your order",
        body="Hi {{1}}, your order {{2}} has shipped and will arrive {{3}}.",
        footer="Reply STOP to opt out",
        buttons=[
            {"type": "URL", "text": "Track order", "url": "https://shop.example/track/{{1}}"},
            {"type": "QUICK_REPLY", "text": "Talk to us"},
        ],
        occurred_at=1732435800,
    ) == load("components_update.json")


def test_builders_reproduce_the_newer_shapes() -> None:
    assert quality_update_body(
        waba_id=WABA,
        new_quality="RED",
        previous_quality="YELLOW",
        template_id=1234567890123456,
        name="order_update",
        language="en-US",
        occurred_at=1732436400,
        field=Field.STATUS,
    ) == load("quality_update_under_status_field.json")
    assert correct_category_body(
        waba_id=WABA,
        template_id=1234567890123456,
        name="order_update",
        category="UTILITY",
        correct_category="MARKETING",
        occurred_at=1732437000,
    ) == load("correct_category_detection.json")


def test_builder_emits_digit_string_template_id_as_json_integer() -> None:
    body = status_update_body(
        waba_id=WABA, event="APPROVED", template_id="9007199254740993", name="welcome"
    )

    assert b'"message_template_id": 9007199254740993' in encode(body)


def test_status_builder_round_trips_through_parser() -> None:
    body = status_update_body(
        waba_id=WABA,
        event="DISABLED",
        template_id="9007199254740993",
        name="café",
        language="en-US",
        occurred_at=1732435200,
        category="MARKETING",
        other_info={"title": "DISABLED", "description": "Disabled."},
        disable_date=1732521600,
    )

    (event,) = parse_delivery_body(encode(body)).events

    assert event == StatusUpdate(
        waba_id=WABA,
        template=TemplateRef("9007199254740993", "café", "en-US"),
        occurred_at=at(1732435200),
        position=FIRST,
        raw=body["entry"][0]["changes"][0]["value"],
        event=StatusEvent.DISABLED,
        reason="NONE",
        category="MARKETING",
        other_info_title="DISABLED",
        other_info_description="Disabled.",
        disable_date=at(1732521600),
    )


def test_builder_without_occurred_at_leaves_time_out() -> None:
    body = quality_update_body(waba_id=WABA, new_quality="RED", template_id=1, name="welcome")

    (event,) = parse_delivery_body(encode(body)).events

    assert "time" not in body["entry"][0]
    assert isinstance(event, QualityUpdate)
    assert (event.occurred_at, event.previous_quality, event.new_quality) == (
        None,
        QualityScore.UNKNOWN,
        QualityScore.RED,
    )


def test_category_builder_round_trips_through_parser() -> None:
    body = category_update_body(
        waba_id=WABA,
        template_id=7,
        name="order_update",
        previous_category="UTILITY",
        new_category="MARKETING",
    )

    (event,) = parse_delivery_body(encode(body)).events

    assert isinstance(event, CategoryUpdate)
    assert (event.previous_category, event.new_category, event.is_announcement) == (
        "UTILITY",
        "MARKETING",
        False,
    )


def test_components_builder_round_trips_as_components() -> None:
    buttons = [{"type": "PHONE_NUMBER", "text": "Call us", "phone_number": "+15550001111"}]
    body = components_update_body(
        waba_id=WABA, template_id=7, name="order_update", body="Hi {{1}}", buttons=buttons
    )

    (event,) = parse_delivery_body(encode(body)).events

    assert isinstance(event, ComponentsUpdate)
    assert event.as_components() == {
        "title": None,
        "body": "Hi {{1}}",
        "footer": None,
        "buttons": buttons,
    }


def test_combine_batches_entries_in_order() -> None:
    first = status_update_body(waba_id=WABA, event="PAUSED", template_id=1, name="a", occurred_at=1)
    second = quality_update_body(
        waba_id="42", new_quality="RED", template_id=2, name="b", occurred_at=2
    )
    third = status_update_body(
        waba_id=WABA, event="REINSTATED", template_id=1, name="a", occurred_at=3
    )

    delivery = parse_delivery_body(encode(combine(first, combine(second, third))))

    assert [(type(event).__name__, event.waba_id, event.position) for event in delivery.events] == [
        ("StatusUpdate", WABA, "entry[0].changes[0]"),
        ("QualityUpdate", "42", "entry[1].changes[0]"),
        ("StatusUpdate", WABA, "entry[2].changes[0]"),
    ]
