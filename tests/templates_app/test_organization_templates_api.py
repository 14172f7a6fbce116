"""Templates belong to the business account; GET /api/v1/whatsapp/templates/ and its filters."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from templates_app.models import WhatsAppTemplate
from tests import factories
from tests.meta_events import apply, status_update

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/whatsapp/templates/"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def names(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [t["name"] for t in response.json()["results"]]


# --- learned templates under every number of their account ----------------------------------


@pytest.fixture
def learned(meta_waba):
    """A template Meta created in its manager, learned from its APPROVED webhook: no number."""
    numbered = factories.WhatsAppTemplateFactory.build(
        business_account=meta_waba, name="made_at_meta", meta_template_id="7777777777777777"
    )
    apply(status_update(numbered, "APPROVED"))
    template = WhatsAppTemplate.objects.get(name="made_at_meta")
    assert template.phone_number is None
    return template


def test_learned_template_is_listed_under_every_number_of_its_account(
    member_client, meta_waba, learned
):
    first = factories.PhoneNumberFactory(business_account=meta_waba)
    second = factories.PhoneNumberFactory(business_account=meta_waba)

    for number in (first, second):
        response = member_client.get(f"/api/v1/whatsapp/{number.pk}/templates/")
        assert names(response) == ["made_at_meta"]


def test_learned_template_is_read_with_its_history_under_any_number(
    member_client, meta_waba, learned
):
    number = factories.PhoneNumberFactory(business_account=meta_waba)
    base = f"/api/v1/whatsapp/{number.pk}/templates/{learned.pk}"

    detail = member_client.get(f"{base}/")
    history = member_client.get(f"{base}/status-history")

    assert detail.status_code == 200
    assert detail.json()["phone_number"] is None
    assert history.status_code == 200
    assert history.json()["history"][0]["new_status"] == "APPROVED"


def test_learned_template_is_not_under_a_number_of_another_account(
    member_client, organization, learned
):
    other_number = factories.PhoneNumberFactory(business_account__organization=organization)

    listed = member_client.get(f"/api/v1/whatsapp/{other_number.pk}/templates/")
    history = member_client.get(
        f"/api/v1/whatsapp/{other_number.pk}/templates/{learned.pk}/status-history"
    )

    assert names(listed) == []
    assert history.status_code == 404


def test_template_and_its_history_are_read_without_a_number(member_client, learned):
    detail = member_client.get(f"{LIST_URL}{learned.pk}/")
    history = member_client.get(f"{LIST_URL}{learned.pk}/status-history")

    assert detail.json()["id"] == str(learned.pk)
    assert history.json()["template"] == {
        "id": str(learned.pk),
        "name": "made_at_meta",
        "current_status": "APPROVED",
        "current_quality": "UNKNOWN",
    }
    assert history.json()["total"] == 1


def test_another_organizations_template_without_a_number_is_a_404(
    member_client, other_phone_number
):
    template = factories.WhatsAppTemplateFactory(phone_number=other_phone_number)

    detail = member_client.get(f"{LIST_URL}{template.pk}/")
    history = member_client.get(f"{LIST_URL}{template.pk}/status-history")

    assert (detail.status_code, history.status_code) == (404, 404)
    assert set(detail.json()) == {"detail"}


def test_unknown_template_without_a_number_is_a_404(member_client):
    assert member_client.get(f"{LIST_URL}{uuid.uuid4()}/").status_code == 404


# --- the organization's list ------------------------------------------------------------------


@pytest.fixture
def catalogue(organization):
    """Templates of two accounts, each status of interest, changed at known times."""
    main = factories.BusinessAccountFactory(organization=organization, name="Main")
    side = factories.BusinessAccountFactory(organization=organization, name="Side")

    def make(account, name, status, quality, category, hours_ago, **fields):
        return factories.WhatsAppTemplateFactory(
            phone_number__business_account=account,
            name=name,
            status=status,
            quality_score=quality,
            category=category,
            status_event_at=NOW - timedelta(hours=hours_ago),
            **fields,
        )

    with time_machine.travel(NOW, tick=False):
        make(main, "alpha", "APPROVED", "GREEN", "UTILITY", 5, meta_template_id="1000000000000001")
        make(main, "bravo", "PAUSED", "YELLOW", "MARKETING", 1)
        make(main, "charlie", "DISABLED", "RED", "MARKETING", 9)
        make(side, "delta", "PENDING", "UNKNOWN", "AUTHENTICATION", 3, pending_since=NOW)
        make(side, "echo", "APPROVED", "RED", "UTILITY", 2)
        make(side, "gone", "APPROVED", "GREEN", "UTILITY", 2, deleted_at=NOW)
    return main, side


def test_list_holds_every_template_of_the_organization_by_name(
    member_client, catalogue, other_phone_number
):
    factories.WhatsAppTemplateFactory(phone_number=other_phone_number, name="foreign")

    response = member_client.get(LIST_URL)

    assert names(response) == ["alpha", "bravo", "charlie", "delta", "echo"]
    assert set(response.json()) == {"count", "next", "previous", "results"}


def test_status_filter_is_repeatable(member_client, catalogue):
    assert names(member_client.get(LIST_URL, {"status": "PAUSED"})) == ["bravo"]
    assert names(member_client.get(LIST_URL, {"status": ["PAUSED", "DISABLED"]})) == [
        "bravo",
        "charlie",
    ]


def test_quality_filter(member_client, catalogue):
    assert names(member_client.get(LIST_URL, {"quality": "RED"})) == ["charlie", "echo"]


def test_category_filter(member_client, catalogue):
    assert names(member_client.get(LIST_URL, {"category": "MARKETING"})) == ["bravo", "charlie"]


def test_business_account_filter(member_client, catalogue):
    _, side = catalogue

    assert names(member_client.get(LIST_URL, {"business_account": str(side.pk)})) == [
        "delta",
        "echo",
    ]


def test_needs_attention_filter_matches_the_critical_list(member_client, catalogue):
    with time_machine.travel(NOW, tick=False):
        needing = names(member_client.get(LIST_URL, {"needs_attention": "true"}))
        fine = names(member_client.get(LIST_URL, {"needs_attention": "false"}))
        critical = member_client.get("/api/v1/whatsapp/templates/critical").json()

    assert needing == ["bravo", "charlie", "echo"]
    assert fine == ["alpha", "delta"]
    assert sorted(t["name"] for t in critical["critical_templates"]) == needing


def test_search_finds_part_of_a_name_or_a_meta_id(member_client, catalogue):
    assert names(member_client.get(LIST_URL, {"search": "HARL"})) == ["charlie"]
    assert names(member_client.get(LIST_URL, {"search": "1000000000000001"})) == ["alpha"]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("-name", ["echo", "delta", "charlie", "bravo", "alpha"]),
        ("status", ["alpha", "echo", "charlie", "bravo", "delta"]),
        ("quality", ["alpha", "bravo", "charlie", "echo", "delta"]),
        ("-last_change", ["bravo", "echo", "delta", "alpha", "charlie"]),
        ("last_change", ["charlie", "alpha", "delta", "echo", "bravo"]),
    ],
)
def test_ordering(member_client, catalogue, ordering, expected):
    assert names(member_client.get(LIST_URL, {"ordering": ordering})) == expected


def test_filters_combine(member_client, catalogue):
    response = member_client.get(LIST_URL, {"quality": "RED", "category": "UTILITY"})

    assert names(response) == ["echo"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "PAUSD"}, "status"),
        ({"status": "paused!"}, "status"),
        ({"status": ["PAUSED", "NOPE"]}, "status"),
        ({"quality": "ORANGE"}, "quality"),
        ({"category": "GOSSIP"}, "category"),
        ({"business_account": "not-a-uuid"}, "business_account"),
        ({"business_account": "00000000-0000-0000-0000-000000000000"}, "business_account"),
        ({"needs_attention": "maybe"}, "needs_attention"),
        ({"ordering": "popularity"}, "ordering"),
        ({"organization": "00000000-0000-0000-0000-000000000000"}, "organization"),
    ],
)
def test_unknown_filter_value_is_a_400(member_client, catalogue, params, field):
    response = member_client.get(LIST_URL, params)

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_another_organizations_business_account_is_not_a_filter_value(
    member_client, catalogue, other_phone_number
):
    response = member_client.get(
        LIST_URL, {"business_account": str(other_phone_number.business_account_id)}
    )

    assert response.status_code == 400


def test_super_admin_lists_one_organization_by_filter(
    super_admin_client, organization, catalogue, other_phone_number
):
    factories.WhatsAppTemplateFactory(phone_number=other_phone_number, name="foreign")

    everything = names(super_admin_client.get(LIST_URL))
    one = names(super_admin_client.get(LIST_URL, {"organization": str(organization.pk)}))

    assert "foreign" in everything
    assert one == ["alpha", "bravo", "charlie", "delta", "echo"]


def test_list_needs_authentication(api_client):
    assert api_client.get(LIST_URL).status_code == 401


# --- bounded queries --------------------------------------------------------------------------


@pytest.mark.parametrize("count", [3, 300])
def test_list_queries_do_not_grow_with_templates(
    member_client, phone_number, django_assert_max_num_queries, count
):
    factories.WhatsAppTemplateFactory.create_batch(count, phone_number=phone_number)
    params = {
        "status": ["APPROVED", "PAUSED"],
        "business_account": str(phone_number.business_account_id),
        "needs_attention": "false",
        "ordering": "-last_change",
        "page_size": 500,
    }

    with django_assert_max_num_queries(3):
        body = member_client.get(LIST_URL, params).json()

    assert body["count"] == len(body["results"]) == count


@pytest.mark.parametrize("count", [3, 300])
def test_number_list_queries_do_not_grow_with_templates(
    member_client, phone_number, django_assert_max_num_queries, count
):
    factories.WhatsAppTemplateFactory.create_batch(count, phone_number=phone_number)

    with django_assert_max_num_queries(3):
        body = member_client.get(
            f"/api/v1/whatsapp/{phone_number.pk}/templates/", {"page_size": 500}
        ).json()

    assert body["count"] == len(body["results"]) == count
