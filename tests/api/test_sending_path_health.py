"""Can it send? The verdict of each account and number, in the API, scoped to the caller."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from tests import factories
from tests.webhooks import payload_bytes, signed_post

pytestmark = pytest.mark.django_db

DURING_RESTRICTION = datetime(2025, 12, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def demo_number(meta_waba):
    return factories.PhoneNumberFactory(
        business_account=meta_waba, display_phone_number="+1 555 000 1111"
    )


def test_a_healthy_account_can_send(admin_client, demo_number):
    account = demo_number.business_account

    answer = admin_client.get(f"/api/v1/whatsapp/accounts/{account.pk}/health").json()

    assert (answer["can_send"], answer["reasons"], answer["what_to_do"]) == ("yes", [], [])
    [number] = answer["phone_numbers"]
    assert (number["display_phone_number"], number["can_send"]) == ("+1 555 000 1111", "yes")


def test_a_flagged_number_is_limited_with_what_to_do(
    client, admin_client, webhook_settings, demo_number
):
    signed_post(client, payload_bytes("phone_quality_flagged.json"))

    answer = admin_client.get(
        f"/api/v1/whatsapp/accounts/{demo_number.business_account_id}/health"
    ).json()

    assert answer["can_send"] == "yes"
    [number] = answer["phone_numbers"]
    assert number["can_send"] == "limited"
    assert number["status"] == "FLAGGED"
    assert number["messaging_limit"] == "TIER_10K"
    assert number["messaging_limit_words"] == "10,000 conversations a day"
    assert number["reasons"] == ["Meta flagged number +1 555 000 1111 for low quality."]
    assert number["what_to_do"] == [
        "Fix the number's quality within 7 days or its messaging limit drops."
    ]


@time_machine.travel(DURING_RESTRICTION, tick=False)
def test_a_restricted_account_cannot_send_nor_its_numbers(
    client, admin_client, webhook_settings, demo_number
):
    signed_post(client, payload_bytes("account_restriction.json"))

    answer = admin_client.get("/api/v1/whatsapp/health").json()

    assert answer["can_send"] == "no"
    [account] = answer["accounts"]
    assert account["can_send"] == "no"
    assert account["reasons"] == [
        "Meta restricted this account from starting conversations until 11 Dec 2025, 13:00 UTC.",
        "Meta restricted this account from adding phone numbers until 11 Dec 2025, 13:00 UTC.",
    ]
    assert [item["restriction_type"] for item in account["restrictions"]] == [
        "RESTRICTED_BIZ_INITIATED_MESSAGING",
        "RESTRICTED_ADD_PHONE_NUMBER_ACTION",
    ]
    [number] = account["phone_numbers"]
    assert (number["can_send"], number["reasons"]) == ("no", ["Its business account cannot send."])


def test_meta_blocked_answer_is_quoted_with_its_possible_solution(admin_client, demo_number):
    account = demo_number.business_account
    account.health_status = {
        "can_send_message": "BLOCKED",
        "entities": [
            {
                "entity_type": "WABA",
                "id": account.waba_id,
                "can_send_message": "BLOCKED",
                "errors": [
                    {
                        "error_code": 141006,
                        "error_description": "There is an error with the payment method.",
                        "possible_solution": "Add a new payment method to the account.",
                    }
                ],
            },
            {"entity_type": "SOMETHING_NEW", "id": "1", "can_send_message": "AVAILABLE"},
        ],
    }
    account.health_blocked = True
    account.save()

    answer = admin_client.get(f"/api/v1/whatsapp/accounts/{account.pk}/health").json()

    assert answer["can_send"] == "no"
    assert answer["meta_can_send_message"] == "BLOCKED"
    assert answer["reasons"] == [
        "Meta says the waba cannot send: There is an error with the payment method."
    ]
    assert answer["what_to_do"] == ["Add a new payment method to the account."]


def test_another_organizations_account_is_not_found(other_admin_client, demo_number):
    response = other_admin_client.get(
        f"/api/v1/whatsapp/accounts/{demo_number.business_account_id}/health"
    )
    everything = other_admin_client.get("/api/v1/whatsapp/health").json()

    assert response.status_code == 404
    assert "detail" in response.json()
    assert everything["accounts"] == []
    assert everything["can_send"] == "yes"


def test_the_health_endpoints_are_documented(admin_client):
    schema = admin_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    assert "/api/v1/whatsapp/health/" in schema["paths"]
    assert "/api/v1/whatsapp/accounts/{account_id}/health/" in schema["paths"]
    assert "AccountHealth" in schema["components"]["schemas"]


def test_a_template_of_a_disabled_account_is_critical_with_the_reason(
    client, admin_client, webhook_settings, demo_number
):
    template = factories.WhatsAppTemplateFactory(phone_number=demo_number, name="order_update")
    healthy = factories.WhatsAppTemplateFactory(name="elsewhere")
    assert admin_client.get("/api/v1/whatsapp/templates/critical").json()["total_critical"] == 0

    signed_post(client, payload_bytes("account_disabled.json"))

    answer = admin_client.get("/api/v1/whatsapp/templates/critical").json()
    assert answer["total_critical"] == 1
    [row] = answer["critical_templates"]
    assert row["id"] == str(template.pk)
    assert row["reason"] == "It cannot send. Meta disabled this business account."
    assert row["action_required"].startswith("See its business account's health")
    assert str(healthy.pk) not in str(answer)


def test_a_template_of_a_blocked_number_is_critical(admin_client, demo_number):
    factories.WhatsAppTemplateFactory(phone_number=demo_number)
    demo_number.health_status = {
        "can_send_message": "BLOCKED",
        "entities": [
            {
                "entity_type": "PHONE_NUMBER",
                "id": demo_number.phone_number_id,
                "can_send_message": "BLOCKED",
                "errors": [
                    {
                        "error_code": 131031,
                        "error_description": "The number is locked.",
                        "possible_solution": "Verify the number again.",
                    }
                ],
            }
        ],
    }
    demo_number.health_blocked = True
    demo_number.save()

    [row] = admin_client.get("/api/v1/whatsapp/templates/critical").json()["critical_templates"]

    assert row["reason"] == (
        "It cannot send. Meta says the phone number cannot send: The number is locked."
    )
