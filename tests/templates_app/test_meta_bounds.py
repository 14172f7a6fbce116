"""Every value the parser hands on fits its column: a value over its bound ignores its change."""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from templates_app.meta import (
    INT64_MAX,
    LIMITS,
    CategoryUpdate,
    ComponentsUpdate,
    CorrectCategoryDetection,
    IgnoredChange,
    StatusUpdate,
    TemplateEvent,
    parse_delivery_body,
    parse_payload,
)
from templates_app.models import BusinessAccount, WhatsAppTemplate

WABA = "102290129340398"
STATUS = "message_template_status_update"
CATEGORY = "template_category_update"
CORRECT_CATEGORY = "template_correct_category_detection"
COMPONENTS = "message_template_components_update"

BASE_VALUES: dict[str, dict[str, Any]] = {
    STATUS: {
        "event": "PAUSED",
        "message_template_id": 1234567890123456,
        "message_template_name": "order_update",
        "message_template_language": "en_US",
        "reason": "NONE",
        "message_template_category": "UTILITY",
        "other_info": {"title": "FIRST_PAUSE", "description": "Paused for 3 hours."},
        "rejection_info": {"reason": "Variable at the start.", "recommendation": "Move it."},
    },
    CATEGORY: {
        "message_template_id": 1234567890123456,
        "message_template_name": "order_update",
        "message_template_language": "en_US",
        "previous_category": "UTILITY",
        "new_category": "MARKETING",
    },
    CORRECT_CATEGORY: {
        "message_template_id": 1234567890123456,
        "message_template_name": "order_update",
        "message_template_language": "en_US",
        "category": "UTILITY",
        "correct_category": "MARKETING",
    },
    COMPONENTS: {
        "message_template_id": 1234567890123456,
        "message_template_name": "order_update",
        "message_template_language": "en_US",
        "message_template_title": "Your order",
        "message_template_element": "Hi {{1}}",
        "message_template_footer": "Reply STOP to opt out",
    },
}


def body_with(field: str, path: str, item: Any, *, entry_id: Any = WABA) -> bytes:
    """A one-change body of `field` whose value holds `item` at the dotted `path`."""
    value = copy.deepcopy(BASE_VALUES[field])
    *parents, key = path.split(".")
    target = value
    for parent in parents:
        target = target.setdefault(parent, {})
    target[key] = item
    entry = {"id": entry_id, "time": 1732435200, "changes": [{"field": field, "value": value}]}
    return json.dumps({"object": "whatsapp_business_account", "entry": [entry]}).encode()


def only(body: bytes) -> TemplateEvent | IgnoredChange:
    (event,) = parse_delivery_body(body).events
    return event


def read_back(event: TemplateEvent, path: str) -> Any:
    """Where the parsed event keeps the value sent at `path`."""
    attribute = {
        "message_template_id": lambda: event.template.meta_template_id,
        "message_template_name": lambda: event.template.name,
        "message_template_language": lambda: event.template.language,
        "message_template_category": lambda: event.category,
        "reason": lambda: event.reason,
        "other_info.title": lambda: event.other_info_title,
        "other_info.description": lambda: event.other_info_description,
        "rejection_info.reason": lambda: event.rejection_reason,
        "rejection_info.recommendation": lambda: event.rejection_recommendation,
        "previous_category": lambda: event.previous_category,
        "new_category": lambda: event.new_category,
        "category": lambda: event.category,
        "correct_category": lambda: event.correct_category,
        "message_template_title": lambda: event.title,
        "message_template_element": lambda: event.body,
        "message_template_footer": lambda: event.footer,
        "waba_id": lambda: event.waba_id,
    }[path]
    return attribute()


# (field, path, limit key, a character to repeat): every bounded string a change may carry.
BOUNDED = [
    (STATUS, "message_template_name", "name", "n"),
    (STATUS, "message_template_language", "language", "e"),
    (STATUS, "message_template_category", "category", "C"),
    (STATUS, "reason", "reason", "R"),
    (STATUS, "other_info.title", "other_info_title", "T"),
    (STATUS, "other_info.description", "text", "d"),
    (STATUS, "rejection_info.reason", "text", "r"),
    (STATUS, "rejection_info.recommendation", "text", "r"),
    (STATUS, "waba_id", "waba_id", "9"),
    (CATEGORY, "previous_category", "category", "P"),
    (CATEGORY, "new_category", "category", "N"),
    (CATEGORY, "correct_category", "category", "K"),
    (CORRECT_CATEGORY, "category", "category", "C"),
    (CORRECT_CATEGORY, "correct_category", "category", "K"),
    (COMPONENTS, "message_template_title", "text", "t"),
    (COMPONENTS, "message_template_element", "text", "b"),
    (COMPONENTS, "message_template_footer", "text", "f"),
]
BOUNDED_IDS = [f"{field}:{path}" for field, path, _, _ in BOUNDED]


def test_limits_match_the_columns_the_values_land_in() -> None:
    template = {field.name: field for field in WhatsAppTemplate._meta.get_fields()}
    assert LIMITS["template_id"] == template["meta_template_id"].max_length == 19
    assert LIMITS["name"] == template["name"].max_length == 512
    assert LIMITS["language"] == template["language"].max_length == 16
    for column in ("category", "upcoming_category", "correct_category"):
        assert LIMITS["category"] == template[column].max_length == 32
    assert LIMITS["reason"] == template["disabled_reason"].max_length == 64
    assert LIMITS["other_info_title"] == template["paused_title"].max_length == 64
    assert LIMITS["waba_id"] == BusinessAccount._meta.get_field("waba_id").max_length == 32


@pytest.mark.parametrize(("field", "path", "limit", "letter"), BOUNDED, ids=BOUNDED_IDS)
def test_value_at_its_limit_is_accepted(field: str, path: str, limit: str, letter: str) -> None:
    sent = letter * LIMITS[limit]

    event = only(body_with(field, path, sent))

    assert not isinstance(event, IgnoredChange), event
    assert read_back(event, path) == sent


@pytest.mark.parametrize(("field", "path", "limit", "letter"), BOUNDED, ids=BOUNDED_IDS)
def test_value_one_over_its_limit_ignores_the_change(
    field: str, path: str, limit: str, letter: str
) -> None:
    event = only(body_with(field, path, letter * (LIMITS[limit] + 1)))

    assert isinstance(event, IgnoredChange)
    assert event.reason == f"{path} longer than {LIMITS[limit]} characters"
    assert event.field == field
    assert event.position == "entry[0].changes[0]"


@pytest.mark.parametrize(("field", "path", "limit", "letter"), BOUNDED, ids=BOUNDED_IDS)
def test_nul_in_any_value_ignores_the_change(
    field: str, path: str, limit: str, letter: str
) -> None:
    event = only(body_with(field, path, f"{letter}\x00{letter}"))

    assert isinstance(event, IgnoredChange)
    assert event.reason == f"{path} contains control character U+0000"


def test_message_template_category_of_40_characters_gives_the_issue_reason() -> None:
    event = only(body_with(STATUS, "message_template_category", "C" * 40))

    assert isinstance(event, IgnoredChange)
    assert event.reason == "message_template_category longer than 32 characters"


# --- control characters ------------------------------------------------------------------------


@pytest.mark.parametrize("character", ["\t", "\n", "\r"])
def test_ordinary_whitespace_is_kept_inside_long_texts(character: str) -> None:
    sent = f"Paused for 3 hours.{character}Fix the copy."

    event = only(body_with(STATUS, "other_info.description", sent))

    assert isinstance(event, StatusUpdate)
    assert event.other_info_description == sent


@pytest.mark.parametrize(
    ("path", "character"),
    [
        ("message_template_name", "\n"),
        ("message_template_language", "\t"),
        ("reason", "\r"),
        ("other_info.title", "\x1b"),
        ("message_template_category", "\x7f"),
        ("other_info.description", "\x0b"),
        ("rejection_info.reason", "\x85"),
    ],
)
def test_other_control_characters_are_refused(path: str, character: str) -> None:
    event = only(body_with(STATUS, path, f"A{character}B"))

    assert isinstance(event, IgnoredChange)
    assert event.reason == f"{path} contains control character U+{ord(character):04X}"


def test_unpaired_surrogate_is_refused() -> None:
    body = body_with(STATUS, "message_template_name", "café").replace(b"caf\\u00e9", b"\\ud800")

    event = only(body)

    assert isinstance(event, IgnoredChange)
    assert event.reason == "message_template_name contains unpaired surrogate U+D800"


def test_letters_of_any_script_are_not_control_characters() -> None:
    event = only(body_with(STATUS, "message_template_name", "promoção_日本_😀"))

    assert isinstance(event, StatusUpdate)
    assert event.template.name == "promoção_日本_😀"


# --- template ids ------------------------------------------------------------------------------


@pytest.mark.parametrize("sent", [INT64_MAX, str(INT64_MAX)], ids=["number", "string"])
def test_int64_max_template_id_is_accepted(sent: int | str) -> None:
    event = only(body_with(STATUS, "message_template_id", sent))

    assert isinstance(event, StatusUpdate)
    assert event.template.meta_template_id == "9223372036854775807"


@pytest.mark.parametrize(
    ("sent", "reason"),
    [
        (10**19, "message_template_id longer than 19 digits"),
        (str(10**19), "message_template_id longer than 19 digits"),
        (10**39, "message_template_id longer than 19 digits"),
        ("1" * 40, "message_template_id longer than 19 digits"),
        ("1" * 5000, "message_template_id longer than 19 digits"),
        (INT64_MAX + 1, "message_template_id greater than 9223372036854775807"),
        (str(INT64_MAX + 1), "message_template_id greater than 9223372036854775807"),
        (9999999999999999999, "message_template_id greater than 9223372036854775807"),
    ],
)
def test_template_id_beyond_int64_is_refused(sent: int | str, reason: str) -> None:
    event = only(body_with(STATUS, "message_template_id", sent))

    assert isinstance(event, IgnoredChange)
    assert event.reason == reason


def test_leading_zeros_of_a_numeric_string_id_are_not_digits_of_the_id() -> None:
    event = only(body_with(STATUS, "message_template_id", "000000001234567890123456"))

    assert isinstance(event, StatusUpdate)
    assert event.template.meta_template_id == "1234567890123456"


def test_negative_id_reason_quotes_a_long_number_cut_short() -> None:
    event = only(body_with(STATUS, "message_template_id", -(10**100)))

    assert isinstance(event, IgnoredChange)
    assert event.reason.startswith("message_template_id must not be negative, got -1000")
    assert len(event.reason) < 140


# --- WABA ids, fields and codes -----------------------------------------------------------------


def test_entry_id_over_its_limit_ignores_its_changes() -> None:
    event = only(body_with(STATUS, "reason", "NONE", entry_id="9" * 33))

    assert isinstance(event, IgnoredChange)
    assert event.reason == "entry.id longer than 32 characters"
    assert event.waba_id is None


def test_entry_id_with_nul_ignores_its_changes() -> None:
    event = only(body_with(STATUS, "reason", "NONE", entry_id="1\x002"))

    assert isinstance(event, IgnoredChange)
    assert event.reason == "entry.id contains control character U+0000"
    assert event.waba_id is None


def test_integer_entry_id_over_its_limit_ignores_its_changes() -> None:
    event = only(body_with(STATUS, "reason", "NONE", entry_id=10**40))

    assert isinstance(event, IgnoredChange)
    assert event.reason == "entry.id longer than 32 characters"


def test_value_waba_id_at_its_limit_wins_over_a_bad_entry_id() -> None:
    event = only(body_with(STATUS, "waba_id", "9" * 32, entry_id="x" * 100))

    assert isinstance(event, StatusUpdate)
    assert event.waba_id == "9" * 32


def test_unhandled_field_name_over_its_limit_is_not_echoed() -> None:
    entry = {"id": WABA, "changes": [{"field": "f" * 65, "value": {}}]}
    body = json.dumps({"object": "whatsapp_business_account", "entry": [entry]}).encode()

    event = only(body)

    assert isinstance(event, IgnoredChange)
    assert event.reason == "change field longer than 64 characters"
    assert event.field is None


def test_unhandled_field_name_with_nul_is_not_kept() -> None:
    entry = {"id": WABA, "changes": [{"field": "mess\x00ages", "value": {}}]}
    body = json.dumps({"object": "whatsapp_business_account", "entry": [entry]}).encode()

    event = only(body)

    assert isinstance(event, IgnoredChange)
    assert event.reason == "change field contains control character U+0000"
    assert event.field is None


def test_over_long_event_is_refused_by_length() -> None:
    event = only(body_with(STATUS, "event", "PAUSED" * 6))

    assert isinstance(event, IgnoredChange)
    assert event.reason == "event longer than 32 characters"


def test_unknown_event_with_a_control_character_is_refused_before_it_is_quoted() -> None:
    event = only(body_with(STATUS, "event", "PAUSED\x00"))

    assert isinstance(event, IgnoredChange)
    assert event.reason == "event contains control character U+0000"


def test_quality_reason_over_its_limit_ignores_the_change() -> None:
    value = {
        "event": "QUALITY_CHANGE",
        "quality_score": "RED",
        "quality_score_reason": ["HIGH_FAILURE_RATE", "X" * 65],
        "message_template_id": 1,
    }
    entry = {"id": WABA, "changes": [{"field": STATUS, "value": value}]}
    body = json.dumps({"object": "whatsapp_business_account", "entry": [entry]}).encode()

    event = only(body)

    assert isinstance(event, IgnoredChange)
    assert event.reason == "quality_score_reason longer than 64 characters"


def test_upper_casing_that_grows_a_code_past_its_limit_is_refused() -> None:
    # "ß" upper-cases to "SS": 32 characters sent become 33.
    event = only(body_with(STATUS, "message_template_category", "ß" + "c" * 31))

    assert isinstance(event, IgnoredChange)
    assert event.reason == "message_template_category longer than 32 characters"


@pytest.mark.parametrize(
    ("field", "event_type"),
    [
        (CATEGORY, CategoryUpdate),
        (CORRECT_CATEGORY, CorrectCategoryDetection),
        (COMPONENTS, ComponentsUpdate),
    ],
)
def test_base_values_of_each_field_parse(field: str, event_type: type) -> None:
    # The bodies the bound tests start from are themselves valid.
    event = only(body_with(field, "message_template_name", "order_update"))

    assert isinstance(event, event_type)
    assert event.warnings == ()


# --- property: whatever Meta sends, what the parser hands on fits -------------------------------

LIMIT_OF_ATTRIBUTE = {
    "waba_id": "waba_id",
    "meta_template_id": "template_id",
    "name": "name",
    "language": "language",
    "event": "event",
    "new_quality": "quality",
    "previous_quality": "quality",
    "reason": "reason",
    "reasons": "quality_reason",
    "category": "category",
    "previous_category": "category",
    "new_category": "category",
    "correct_category": "category",
    "other_info_title": "other_info_title",
    "other_info_description": "text",
    "rejection_reason": "text",
    "rejection_recommendation": "text",
    "title": "text",
    "body": "text",
    "footer": "text",
    "button_key": "button_key",
    "buttons": "button_value",
}
NOT_HANDED_ON = {"raw", "position", "occurred_at", "disable_date", "category_change_at", "warnings"}

# Clean strings long enough to cross every bound but the long texts', short ones holding the
# characters that are refused, and codes in odd letter cases.
clean_text = st.text(alphabet=st.sampled_from("aZ9_ßé😀 "), max_size=600)
dirty_text = st.text(alphabet=st.sampled_from("a\x00\n\t\r\x1b\x7f\x85"), min_size=1, max_size=5)
codes_text = st.sampled_from(
    ["approved", "Locked", "red", "Utility", "transactional", "url", "Quality_Change", "0"]
)
# Strings of every length on either side of a bound.
boundary_text = st.builds(
    str.__mul__,
    st.sampled_from(["a", "ß", "9", "😀"]),
    st.sampled_from(sorted({limit + step for limit in LIMITS.values() for step in (-1, 0, 1)})),
)
tricky_text = clean_text | dirty_text | codes_text | boundary_text
button = st.dictionaries(
    st.sampled_from(
        ["message_template_button_type", "message_template_button_text", "url", "k" * 70]
    ),
    tricky_text | st.sampled_from(["URL", "QUICK_REPLY"]) | st.integers() | st.none(),
)
TEXT_KEYS = [
    "event",
    "message_template_name",
    "message_template_language",
    "reason",
    "message_template_category",
    "waba_id",
    "new_quality_score",
    "previous_quality_score",
    "quality_score",
    "previous_category",
    "new_category",
    "correct_category",
    "category",
    "message_template_title",
    "message_template_element",
    "message_template_footer",
]
# A few keys of a valid value replaced at a time, so that most changes still parse.
overrides = st.dictionaries(
    st.sampled_from(TEXT_KEYS), tricky_text, max_size=3
) | st.fixed_dictionaries(
    {},
    optional={
        "message_template_id": st.integers(min_value=-1, max_value=2**70)
        | st.text(alphabet="0123456789", min_size=1, max_size=25),
        "quality_score_reason": st.lists(tricky_text, max_size=3),
        "other_info": st.fixed_dictionaries(
            {}, optional={"title": tricky_text, "description": tricky_text}
        ),
        "message_template_buttons": st.lists(button, max_size=3),
    },
)
fields = st.sampled_from([STATUS, CATEGORY, CORRECT_CATEGORY, COMPONENTS])


def handed_on_strings(event: TemplateEvent) -> list[tuple[str, str]]:
    """(attribute, string) for every string the event hands to the service layer."""
    found: list[tuple[str, Any]] = []
    for attribute in dataclasses.fields(event):
        item = getattr(event, attribute.name)
        if attribute.name in NOT_HANDED_ON:
            continue
        if attribute.name == "template":
            found += [(key, getattr(item, key)) for key in ("meta_template_id", "name", "language")]
        elif attribute.name == "buttons":
            found += [("buttons", text) for button in item for text in button.values()]
            found += [("button_key", key) for button in item for key in button]
        elif isinstance(item, tuple):
            found += [(attribute.name, text) for text in item]
        else:
            found.append((attribute.name, item))
    return [(name, text) for name, text in found if isinstance(text, str)]


@settings(max_examples=150, deadline=None)
@given(
    entry_id=st.sampled_from([WABA, "0"]) | tricky_text | st.integers(),
    changes=st.lists(st.tuples(fields, overrides), min_size=1, max_size=3),
)
def test_every_string_handed_on_fits_its_column(entry_id: Any, changes: list) -> None:
    entry = {
        "id": entry_id,
        "time": 1732435200,
        "changes": [
            {"field": field, "value": {**BASE_VALUES[field], **value}} for field, value in changes
        ],
    }

    delivery = parse_payload({"object": "whatsapp_business_account", "entry": [entry]})

    for event in delivery.applicable:
        for attribute, text in handed_on_strings(event):
            assert len(text) <= LIMITS[LIMIT_OF_ATTRIBUTE[attribute]], (attribute, text)
            assert "\x00" not in text
        for warning in event.warnings:
            assert "\x00" not in warning
            assert len(warning) <= 300
    for ignored in delivery.ignored:
        assert ignored.reason
        assert "\x00" not in ignored.reason
        assert len(ignored.reason) <= 300
