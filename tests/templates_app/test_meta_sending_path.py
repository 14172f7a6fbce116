"""The sending path's six fields read into typed events: every body, exactly, and the bounds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from templates_app.meta import IgnoredChange, encode, parse_delivery_body, parse_payload
from templates_app.meta.sending_path import (
    AccountAlert,
    AccountReviewUpdate,
    AccountUpdate,
    BusinessCapabilityUpdate,
    PhoneNameUpdate,
    PhoneQualityUpdate,
    Restriction,
)
from tests.webhooks import payload, payload_bytes

WABA = "102290129340398"
FIRST = "entry[0].changes[0]"


def at(unix_seconds: int) -> datetime:
    return datetime.fromtimestamp(unix_seconds, tz=UTC)


def value_of(name: str) -> dict[str, Any]:
    return payload(name)["entry"][0]["changes"][0]["value"]


def common(name: str, field: str) -> dict[str, Any]:
    return {
        "waba_id": WABA,
        "field": field,
        "occurred_at": at(payload(name)["entry"][0]["time"]),
        "position": FIRST,
        "raw": value_of(name),
    }


def quality(name: str, **values: Any) -> PhoneQualityUpdate:
    return PhoneQualityUpdate(
        **common(name, "phone_number_quality_update"),
        display_phone_number="15550001111",
        **values,
    )


def ban(name: str, state: str, day: date) -> AccountUpdate:
    return AccountUpdate(
        **common(name, "account_update"), event="DISABLED_UPDATE", ban_states=(state,), ban_date=day
    )


SENDING_PATH_EXPECTED: dict[str, Callable[[], Any]] = {
    "account_alerts_capability_deferred.json": lambda: AccountAlert(
        **common("account_alerts_capability_deferred.json", "account_alerts"),
        entity_type="BUSINESS",
        entity_id="506914307656634",
        severity="WARNING",
        status="ACTIVE",
        alert_type="INCREASED_CAPABILITIES_ELIGIBILITY_DEFERRED",
        description=value_of("account_alerts_capability_deferred.json")["alert_info"][
            "alert_description"
        ],
    ),
    "account_disable_scheduled.json": lambda: ban(
        "account_disable_scheduled.json", "SCHEDULE_FOR_DISABLE", date(2026, 12, 20)
    ),
    "account_disabled.json": lambda: ban("account_disabled.json", "DISABLE", date(2026, 12, 20)),
    "account_reinstated.json": lambda: ban(
        "account_reinstated.json", "REINSTATE", date(2026, 12, 22)
    ),
    "account_restriction.json": lambda: AccountUpdate(
        **common("account_restriction.json", "account_update"),
        event="ACCOUNT_RESTRICTION",
        restrictions=(
            Restriction("RESTRICTED_BIZ_INITIATED_MESSAGING", at(1765458000)),
            Restriction("RESTRICTED_ADD_PHONE_NUMBER_ACTION", at(1765458000)),
        ),
    ),
    "account_review_update.json": lambda: AccountReviewUpdate(
        **common("account_review_update.json", "account_review_update"), decision="APPROVED"
    ),
    "account_violation.json": lambda: AccountUpdate(
        **common("account_violation.json", "account_update"),
        event="ACCOUNT_VIOLATION",
        violation_type="SCAM",
    ),
    "business_capability_update.json": lambda: BusinessCapabilityUpdate(
        **common("business_capability_update.json", "business_capability_update"),
        max_daily_conversations=2000,
        max_phone_numbers=25,
    ),
    "phone_number_name_update.json": lambda: PhoneNameUpdate(
        **common("phone_number_name_update.json", "phone_number_name_update"),
        display_phone_number="15550001111",
        decision="APPROVED",
        requested_verified_name="Acme Shop",
    ),
    "phone_quality_downgrade.json": lambda: quality(
        "phone_quality_downgrade.json",
        event="DOWNGRADE",
        current_limit="TIER_2K",
        old_limit="TIER_10K",
    ),
    "phone_quality_flagged.json": lambda: quality(
        "phone_quality_flagged.json", event="FLAGGED", current_limit="TIER_10K"
    ),
    "phone_quality_throughput_upgrade.json": lambda: quality(
        "phone_quality_throughput_upgrade.json",
        event="THROUGHPUT_UPGRADE",
        max_daily_conversations=100000,
    ),
    "phone_quality_unflagged.json": lambda: quality(
        "phone_quality_unflagged.json", event="UNFLAGGED", current_limit="TIER_2K"
    ),
}


@pytest.mark.parametrize("name", sorted(SENDING_PATH_EXPECTED))
def test_payload_file_parses_to_exact_event(name: str) -> None:
    assert parse_delivery_body(payload_bytes(name)).events == (SENDING_PATH_EXPECTED[name](),)


def change_of(value: Any, field: str = "account_update") -> Any:
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA, "time": 1764849600, "changes": [{"field": field, "value": value}]}],
    }
    [event] = parse_delivery_body(encode(body)).events
    return event


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ({"event": "ACCOUNT_RESTRICTION"}, "ACCOUNT_RESTRICTION has no restriction_info"),
        (
            {"event": "ACCOUNT_RESTRICTION", "restriction_info": [{"expiration": 1}]},
            "restriction_info[0] has no restriction_type",
        ),
        (
            {"event": "DISABLED_UPDATE", "ban_info": {"waba_ban_date": "2026-12-20"}},
            "DISABLED_UPDATE has no ban_info.waba_ban_state",
        ),
        (
            {
                "event": "DISABLED_UPDATE",
                "ban_info": {"waba_ban_state": ["DISABLE"], "waba_ban_date": "soon"},
            },
            "ban_info.waba_ban_date is not a date: 'soon'",
        ),
        ({"event": "X" * 65}, "event longer than 64 characters"),
    ],
)
def test_an_unreadable_account_update_is_ignored_with_the_reason(value: Any, reason: str) -> None:
    event = change_of(value)

    assert isinstance(event, IgnoredChange)
    assert (event.field, event.reason) == ("account_update", reason)


def test_an_empty_restriction_list_lifts_every_restriction() -> None:
    event = change_of({"event": "ACCOUNT_RESTRICTION", "restriction_info": []})

    assert isinstance(event, AccountUpdate)
    assert event.restrictions == ()


def test_routed_by_keys_when_meta_labels_the_body_with_another_field() -> None:
    alert = change_of(value_of("account_alerts_capability_deferred.json"), "account_update")
    name = change_of(value_of("phone_number_name_update.json"), "phone_number_quality_update")

    assert isinstance(alert, AccountAlert)
    assert isinstance(name, PhoneNameUpdate)


def test_a_value_that_is_not_an_object_is_ignored_with_the_reason() -> None:
    event = change_of(["DISABLE"])

    assert isinstance(event, IgnoredChange)
    assert (event.field, event.reason) == (
        "account_update",
        "change value must be an object, got list",
    )


def test_an_unknown_event_is_kept_with_a_warning() -> None:
    event = change_of({"display_phone_number": "1555", "event": "SOMETHING_NEW"}, "x")

    assert isinstance(event, PhoneQualityUpdate)
    assert event.warnings == ("unknown event 'SOMETHING_NEW'",)


@settings(max_examples=200, deadline=None)
@given(
    field=st.sampled_from(
        [
            "phone_number_quality_update",
            "account_update",
            "account_alerts",
            "account_review_update",
            "business_capability_update",
            "phone_number_name_update",
        ]
    ),
    value=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "event",
                        "display_phone_number",
                        "restriction_info",
                        "ban_info",
                        "waba_ban_state",
                        "alert_info",
                        "decision",
                        "expiration",
                        "max_daily_conversations_per_business",
                        "restriction_type",
                    ]
                ),
                children,
                max_size=4,
            )
        ),
        max_leaves=10,
    ),
)
def test_any_value_parses_without_raising(field: str, value: Any) -> None:
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA, "changes": [{"field": field, "value": value}]}],
    }

    [event] = parse_payload(body).events

    assert event.position == FIRST
