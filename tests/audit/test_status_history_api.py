"""GET /api/v1/whatsapp/{number_id}/templates/{template_id}/status-history"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests import factories
from tests.meta_events import apply, quality_update, status_update

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def history_url(phone_number, template) -> str:
    return f"/api/v1/whatsapp/{phone_number.pk}/templates/{template.pk}/status-history"


@pytest.fixture
def template(phone_number):
    return factories.WhatsAppTemplateFactory(
        phone_number=phone_number, name="order_update", quality_score="GREEN"
    )


@pytest.fixture
def history(template):
    """PAUSED at 9:00, quality RED at 10:00, REINSTATED at 12:00."""
    apply(status_update(template, "PAUSED", occurred_at=T0))
    template.refresh_from_db()
    apply(
        quality_update(
            template, "RED", reasons=("HIGH_FAILURE_RATE",), occurred_at=T0 + timedelta(hours=1)
        )
    )
    template.refresh_from_db()
    apply(status_update(template, "REINSTATED", occurred_at=T0 + timedelta(hours=3)))
    template.refresh_from_db()
    return template


def test_history_answers_the_seeds_shape_newest_first(member_client, phone_number, history):
    response = member_client.get(history_url(phone_number, history))

    assert response.status_code == 200
    assert response.json() == {
        "template": {
            "id": str(history.pk),
            "name": "order_update",
            "current_status": "APPROVED",
            "current_quality": "RED",
        },
        "history": [
            {
                "timestamp": "2026-11-24T12:00:00Z",
                "event_type": "REINSTATED",
                "previous_status": "PAUSED",
                "new_status": "APPROVED",
                "quality_score": "RED",
                "reason": "Reinstated by Meta",
            },
            {
                "timestamp": "2026-11-24T10:00:00Z",
                "event_type": "QUALITY_CHANGE",
                "previous_status": "PAUSED",
                "new_status": "PAUSED",
                "quality_score": "RED",
                "reason": "Quality fell from high (green) to low (red): high failure rate",
            },
            {
                "timestamp": "2026-11-24T09:00:00Z",
                "event_type": "PAUSED",
                "previous_status": "APPROVED",
                "new_status": "PAUSED",
                "quality_score": "GREEN",
                "reason": "Paused by Meta",
            },
        ],
        "total": 3,
        "limit": 100,
        "offset": 0,
    }


def test_history_pages_with_limit_and_offset(member_client, phone_number, history):
    response = member_client.get(history_url(phone_number, history), {"limit": 1, "offset": 1})

    body = response.json()
    assert response.status_code == 200
    assert [row["event_type"] for row in body["history"]] == ["QUALITY_CHANGE"]
    assert (body["total"], body["limit"], body["offset"]) == (3, 1, 1)


def test_history_offset_past_the_end_is_an_empty_page(member_client, phone_number, history):
    body = member_client.get(history_url(phone_number, history), {"offset": 3}).json()

    assert (body["history"], body["total"]) == ([], 3)


@pytest.mark.parametrize("limit", ["1", "1000"])
def test_history_accepts_limit_at_its_bounds(member_client, phone_number, history, limit):
    response = member_client.get(history_url(phone_number, history), {"limit": limit})

    assert response.status_code == 200
    assert response.json()["limit"] == int(limit)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "-5"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "x"}, "offset"),
    ],
)
def test_history_refuses_limit_and_offset_out_of_range(
    member_client, phone_number, history, params, field
):
    response = member_client.get(history_url(phone_number, history), params)

    assert response.status_code == 400
    assert field in response.json()


def test_history_leaves_out_other_templates_and_campaign_entries(
    member_client, phone_number, history
):
    other = factories.WhatsAppTemplateFactory(phone_number=phone_number)
    factories.CampaignFactory(template=other)
    apply(status_update(other, "DISABLED", occurred_at=T0))

    body = member_client.get(history_url(phone_number, history)).json()

    assert body["total"] == 3


def test_template_of_another_number_is_a_404(member_client, organization, history):
    other_number = factories.PhoneNumberFactory(business_account__organization=organization)

    response = member_client.get(history_url(other_number, history))

    assert response.status_code == 404


def test_template_of_another_organization_is_a_404(
    other_admin_client, phone_number, history, other_phone_number
):
    own_number_foreign_template = other_admin_client.get(history_url(other_phone_number, history))
    foreign_number = other_admin_client.get(history_url(phone_number, history))

    assert own_number_foreign_template.status_code == 404
    assert foreign_number.status_code == 404


def test_history_needs_authentication(api_client, phone_number, history):
    response = api_client.get(history_url(phone_number, history))

    assert response.status_code in (401, 403)
