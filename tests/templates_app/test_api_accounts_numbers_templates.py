from __future__ import annotations

import threading
import time
import uuid

import pytest
from django.db import connections, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from templates_app.models import BusinessAccount, PhoneNumber, WhatsAppTemplate
from tests import factories

pytestmark = pytest.mark.django_db

ACCOUNTS_URL = "/api/v1/whatsapp/accounts/"
NUMBERS_URL = "/api/v1/whatsapp/numbers/"
PAGE_KEYS = {"count", "next", "previous", "results"}


def templates_url(number_id) -> str:
    return f"/api/v1/whatsapp/{number_id}/templates/"


def template_url(number_id, template_id) -> str:
    return f"{templates_url(number_id)}{template_id}/"


def number_body(business_account, **overrides) -> dict:
    return {
        "business_account": str(business_account.pk),
        "phone_number_id": "109876543210987",
        "display_phone_number": "+1 555 010 2020",
        "verified_name": "Acme Shop",
        **overrides,
    }


def template_body(**overrides) -> dict:
    return {"name": "order_update", "language": "en_US", "category": "UTILITY", **overrides}


# --- business accounts -----------------------------------------------------------------------


def test_org_admin_creates_a_business_account(admin_client, organization):
    response = admin_client.post(
        ACCOUNTS_URL, {"waba_id": "102290129349999", "name": "Acme WABA"}, format="json"
    )

    assert response.status_code == 201
    account = BusinessAccount.objects.get(waba_id="102290129349999")
    assert response.json() == {
        "id": str(account.pk),
        "waba_id": "102290129349999",
        "name": "Acme WABA",
        "has_access_token": False,
        "token_status": "missing",
        "token_status_display": "No Meta access token is stored",
        "ownership_proven": False,
        "ownership_verified_at": None,
        "released_at": None,
        "last_synced_at": None,
    }
    assert account.organization == organization


def test_member_cannot_create_a_business_account(member_client):
    response = member_client.post(
        ACCOUNTS_URL, {"waba_id": "102290129349999", "name": "Acme WABA"}, format="json"
    )

    assert response.status_code == 403
    assert "detail" in response.json()
    assert not BusinessAccount.objects.exists()


def test_unauthenticated_business_account_creation_gets_401(api_client):
    response = api_client.post(
        ACCOUNTS_URL, {"waba_id": "102290129349999", "name": "Acme WABA"}, format="json"
    )

    assert response.status_code == 401
    assert not BusinessAccount.objects.exists()


def test_unauthenticated_business_account_list_gets_401(api_client):
    assert api_client.get(ACCOUNTS_URL).status_code == 401


def test_duplicate_waba_id_is_a_400(admin_client, organization):
    factories.BusinessAccountFactory(organization=organization, waba_id="102290129349999")

    response = admin_client.post(
        ACCOUNTS_URL, {"waba_id": "102290129349999", "name": "Again"}, format="json"
    )

    assert response.status_code == 400
    assert "waba_id" in response.json()
    assert BusinessAccount.objects.filter(waba_id="102290129349999").count() == 1


def test_business_account_without_fields_is_a_400(admin_client):
    response = admin_client.post(ACCOUNTS_URL, {}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"waba_id", "name"}
    assert not BusinessAccount.objects.exists()


def test_super_admin_without_organization_cannot_create_a_business_account(super_admin_client):
    response = super_admin_client.post(
        ACCOUNTS_URL, {"waba_id": "102290129349999", "name": "Acme WABA"}, format="json"
    )

    assert response.status_code == 400
    assert "detail" in response.json()
    assert not BusinessAccount.objects.exists()


def test_member_lists_only_their_organizations_business_accounts(
    member_client, organization, other_organization
):
    own = factories.BusinessAccountFactory(organization=organization)
    factories.BusinessAccountFactory(organization=other_organization)

    response = member_client.get(ACCOUNTS_URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == PAGE_KEYS
    assert body["count"] == 1
    assert [{key: row[key] for key in ("id", "waba_id", "name")} for row in body["results"]] == [
        {"id": str(own.pk), "waba_id": own.waba_id, "name": own.name}
    ]


def test_business_account_list_is_paginated(member_client, organization):
    factories.BusinessAccountFactory.create_batch(3, organization=organization)

    body = member_client.get(ACCOUNTS_URL, {"page_size": 2}).json()
    second = member_client.get(ACCOUNTS_URL, {"page_size": 2, "page": 2}).json()

    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["previous"] is None
    assert "page=2" in body["next"]
    assert len(second["results"]) == 1
    assert second["next"] is None
    assert second["previous"] is not None


# --- phone numbers ---------------------------------------------------------------------------


def test_org_admin_creates_a_phone_number(admin_client, organization):
    account = factories.BusinessAccountFactory(organization=organization)

    response = admin_client.post(NUMBERS_URL, number_body(account), format="json")

    assert response.status_code == 201
    number = PhoneNumber.objects.get(phone_number_id="109876543210987")
    assert response.json() == {"id": str(number.pk), **number_body(account)}
    assert number.business_account == account


def test_verified_name_is_optional(admin_client, organization):
    account = factories.BusinessAccountFactory(organization=organization)
    body = number_body(account)
    del body["verified_name"]

    response = admin_client.post(NUMBERS_URL, body, format="json")

    assert response.status_code == 201
    assert response.json()["verified_name"] == ""


def test_phone_number_on_another_organizations_account_is_a_400(admin_client, other_organization):
    foreign = factories.BusinessAccountFactory(organization=other_organization)

    response = admin_client.post(NUMBERS_URL, number_body(foreign), format="json")

    assert response.status_code == 400
    assert "business_account" in response.json()
    assert not PhoneNumber.objects.exists()


def test_phone_number_on_an_unknown_account_is_a_400(admin_client):
    response = admin_client.post(
        NUMBERS_URL, {**number_body(factories.BusinessAccountFactory.build())}, format="json"
    )

    assert response.status_code == 400
    assert "business_account" in response.json()
    assert not PhoneNumber.objects.exists()


def test_duplicate_phone_number_id_is_a_400(admin_client, phone_number):
    body = number_body(phone_number.business_account, phone_number_id=phone_number.phone_number_id)

    response = admin_client.post(NUMBERS_URL, body, format="json")

    assert response.status_code == 400
    assert "phone_number_id" in response.json()
    assert PhoneNumber.objects.count() == 1


def test_member_cannot_create_a_phone_number(member_client, organization):
    account = factories.BusinessAccountFactory(organization=organization)

    response = member_client.post(NUMBERS_URL, number_body(account), format="json")

    assert response.status_code == 403
    assert not PhoneNumber.objects.exists()


def test_unauthenticated_phone_number_list_gets_401(api_client, phone_number):
    response = api_client.get(NUMBERS_URL)

    assert response.status_code == 401
    assert "detail" in response.json()


def test_member_lists_only_their_organizations_numbers(
    member_client, phone_number, other_phone_number
):
    response = member_client.get(NUMBERS_URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == PAGE_KEYS
    assert body["count"] == 1
    assert body["results"] == [
        {
            "id": str(phone_number.pk),
            "business_account": str(phone_number.business_account_id),
            "phone_number_id": phone_number.phone_number_id,
            "display_phone_number": phone_number.display_phone_number,
            "verified_name": phone_number.verified_name,
        }
    ]


# --- templates -------------------------------------------------------------------------------


def test_org_admin_creates_a_pending_template(admin_client, phone_number):
    response = admin_client.post(
        templates_url(phone_number.pk),
        template_body(meta_template_id="1234567890123456"),
        format="json",
    )

    assert response.status_code == 201
    template = WhatsAppTemplate.objects.get()
    body = response.json()
    assert body["id"] == str(template.pk)
    assert body["name"] == "order_update"
    assert body["language"] == "en_US"
    assert body["category"] == "UTILITY"
    assert body["meta_template_id"] == "1234567890123456"
    assert body["status"] == "PENDING"
    assert body["quality_score"] == "UNKNOWN"
    assert body["phone_number"] == str(phone_number.pk)
    assert body["business_account"] == str(phone_number.business_account_id)
    assert body["pending_since"] is not None
    assert template.organization_id == phone_number.business_account.organization_id


def test_template_without_meta_id_stores_null(admin_client, phone_number):
    response = admin_client.post(templates_url(phone_number.pk), template_body(), format="json")

    assert response.status_code == 201
    assert response.json()["meta_template_id"] is None
    assert WhatsAppTemplate.objects.get().meta_template_id is None


def test_two_templates_without_meta_id_can_coexist(admin_client, phone_number):
    first = admin_client.post(
        templates_url(phone_number.pk), template_body(meta_template_id=""), format="json"
    )
    second = admin_client.post(
        templates_url(phone_number.pk), template_body(name="welcome"), format="json"
    )

    assert (first.status_code, second.status_code) == (201, 201)
    assert WhatsAppTemplate.objects.filter(meta_template_id__isnull=True).count() == 2


def test_language_with_a_hyphen_is_stored_with_an_underscore(admin_client, phone_number):
    response = admin_client.post(
        templates_url(phone_number.pk), template_body(language="en-US"), format="json"
    )

    assert response.status_code == 201
    assert response.json()["language"] == "en_US"
    assert WhatsAppTemplate.objects.get().language == "en_US"


def test_duplicate_name_and_language_is_a_400(admin_client, phone_number):
    factories.WhatsAppTemplateFactory(
        phone_number=phone_number, name="order_update", language="en_US"
    )

    response = admin_client.post(templates_url(phone_number.pk), template_body(), format="json")

    assert response.status_code == 400
    assert "name" in response.json()
    assert WhatsAppTemplate.objects.count() == 1


def test_duplicate_spelled_with_a_hyphen_is_a_400(admin_client, phone_number):
    factories.WhatsAppTemplateFactory(
        phone_number=phone_number, name="order_update", language="en_US"
    )

    response = admin_client.post(
        templates_url(phone_number.pk), template_body(language="en-US"), format="json"
    )

    assert response.status_code == 400
    assert WhatsAppTemplate.objects.count() == 1


def test_same_name_in_another_language_is_allowed(admin_client, phone_number):
    factories.WhatsAppTemplateFactory(
        phone_number=phone_number, name="order_update", language="en_US"
    )

    response = admin_client.post(
        templates_url(phone_number.pk), template_body(language="pt_BR"), format="json"
    )

    assert response.status_code == 201
    assert WhatsAppTemplate.objects.count() == 2


def test_duplicate_meta_template_id_in_the_same_business_account_is_a_400(
    admin_client, phone_number
):
    factories.WhatsAppTemplateFactory(
        phone_number=phone_number,
        meta_template_id="1234567890123456",
    )

    response = admin_client.post(
        templates_url(phone_number.pk),
        template_body(meta_template_id="1234567890123456"),
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["meta_template_id"] == [
        "This business account already has a template with this Meta id."
    ]
    assert WhatsAppTemplate.objects.filter(phone_number=phone_number).count() == 1


def test_meta_id_used_by_another_organization_neither_blocks_nor_leaks(
    admin_client, phone_number, other_phone_number
):
    factories.WhatsAppTemplateFactory(
        phone_number=other_phone_number,
        meta_template_id="1234567890123456",
    )

    response = admin_client.post(
        templates_url(phone_number.pk),
        template_body(meta_template_id="1234567890123456"),
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["meta_template_id"] == "1234567890123456"


def test_meta_id_beyond_int64_is_a_400(admin_client, phone_number):
    response = admin_client.post(
        templates_url(phone_number.pk),
        template_body(meta_template_id="9223372036854775808"),
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["meta_template_id"] == ["Meta template ids are 64-bit integers."]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Order Update"),
        ("name", "order-update"),
        ("name", ""),
        ("language", "english"),
        ("language", "e"),
        ("language", "en US"),
        ("category", "PROMOTIONAL"),
        ("category", ""),
        ("meta_template_id", "abc123"),
    ],
)
def test_invalid_template_field_is_a_400_and_creates_nothing(
    admin_client, phone_number, field, value
):
    response = admin_client.post(
        templates_url(phone_number.pk), template_body(**{field: value}), format="json"
    )

    assert response.status_code == 400
    assert field in response.json()
    assert not WhatsAppTemplate.objects.exists()


@pytest.mark.parametrize("field", ["name", "language", "category"])
def test_missing_template_field_is_a_400(admin_client, phone_number, field):
    body = template_body()
    del body[field]

    response = admin_client.post(templates_url(phone_number.pk), body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not WhatsAppTemplate.objects.exists()


def test_member_cannot_create_a_template(member_client, phone_number):
    response = member_client.post(templates_url(phone_number.pk), template_body(), format="json")

    assert response.status_code == 403
    assert "detail" in response.json()
    assert not WhatsAppTemplate.objects.exists()


def test_unauthenticated_template_creation_gets_401(api_client, phone_number):
    response = api_client.post(templates_url(phone_number.pk), template_body(), format="json")

    assert response.status_code == 401
    assert not WhatsAppTemplate.objects.exists()


def test_member_lists_the_templates_of_the_numbers_business_account(member_client, phone_number):
    template = factories.WhatsAppTemplateFactory(phone_number=phone_number, name="a_own")
    sibling = factories.WhatsAppTemplateFactory(  # another number of the same account
        phone_number=factories.PhoneNumberFactory(business_account=phone_number.business_account),
        name="b_sibling",
    )
    factories.WhatsAppTemplateFactory(  # another account of the same organization
        phone_number__business_account__organization=phone_number.business_account.organization
    )

    response = member_client.get(templates_url(phone_number.pk))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == PAGE_KEYS
    assert body["count"] == 2
    assert [t["id"] for t in body["results"]] == [str(template.pk), str(sibling.pk)]
    assert body["results"][0]["status"] == "APPROVED"


def test_deleted_templates_are_not_listed(member_client, phone_number):
    factories.WhatsAppTemplateFactory(phone_number=phone_number, deleted_at=timezone.now())

    response = member_client.get(templates_url(phone_number.pk))

    assert response.json()["count"] == 0


def test_template_list_is_paginated(member_client, phone_number):
    factories.WhatsAppTemplateFactory.create_batch(3, phone_number=phone_number)

    body = member_client.get(templates_url(phone_number.pk), {"page_size": 2}).json()

    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert "page=2" in body["next"]


def test_member_reads_a_template(member_client, phone_number):
    template = factories.WhatsAppTemplateFactory(phone_number=phone_number, name="welcome")

    response = member_client.get(template_url(phone_number.pk, template.pk))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(template.pk)
    assert body["name"] == "welcome"
    assert body["quality_score"] == "GREEN"


def test_unauthenticated_template_detail_gets_401(api_client, phone_number):
    template = factories.WhatsAppTemplateFactory(phone_number=phone_number)

    assert api_client.get(template_url(phone_number.pk, template.pk)).status_code == 401


def test_templates_of_another_organizations_number_are_404(admin_client, other_phone_number):
    factories.WhatsAppTemplateFactory(phone_number=other_phone_number)

    response = admin_client.get(templates_url(other_phone_number.pk))

    assert response.status_code == 404
    assert "detail" in response.json()


def test_creating_a_template_on_another_organizations_number_is_a_404(
    admin_client, other_phone_number
):
    response = admin_client.post(
        templates_url(other_phone_number.pk), template_body(), format="json"
    )

    assert response.status_code == 404
    assert not WhatsAppTemplate.objects.exists()


def test_template_of_another_organization_is_a_404(admin_client, other_phone_number):
    template = factories.WhatsAppTemplateFactory(phone_number=other_phone_number)

    response = admin_client.get(template_url(other_phone_number.pk, template.pk))

    assert response.status_code == 404


def test_template_reads_through_any_number_of_its_business_account(member_client, phone_number):
    sibling = factories.PhoneNumberFactory(business_account=phone_number.business_account)
    template = factories.WhatsAppTemplateFactory(phone_number=sibling)

    response = member_client.get(template_url(phone_number.pk, template.pk))

    assert response.status_code == 200
    assert response.json()["id"] == str(template.pk)


def test_template_read_through_a_number_of_another_account_is_a_404(member_client, phone_number):
    other_account_number = factories.PhoneNumberFactory(
        business_account__organization=phone_number.business_account.organization
    )
    template = factories.WhatsAppTemplateFactory(phone_number=phone_number)

    response = member_client.get(template_url(other_account_number.pk, template.pk))

    assert response.status_code == 404


def test_foreign_template_read_through_own_number_is_a_404(
    member_client, phone_number, other_phone_number
):
    template = factories.WhatsAppTemplateFactory(phone_number=other_phone_number)

    response = member_client.get(template_url(phone_number.pk, template.pk))

    assert response.status_code == 404


def test_unknown_number_is_a_404(member_client):
    assert member_client.get(templates_url(uuid.uuid4())).status_code == 404


def test_unknown_template_is_a_404(member_client, phone_number):
    assert member_client.get(template_url(phone_number.pk, uuid.uuid4())).status_code == 404


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_template_is_a_400_not_a_500():
    phone_number = factories.PhoneNumberFactory()
    admin = factories.OrgAdminFactory(organization=phone_number.business_account.organization)
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(admin)
    inserted = threading.Event()

    def another_request_creates_it_first() -> None:
        try:
            with transaction.atomic():
                factories.WhatsAppTemplateFactory(
                    phone_number=phone_number, name="order_update", language="en_US"
                )
                inserted.set()
                time.sleep(0.5)  # uncommitted while the API request validates and inserts
        finally:
            connections.close_all()

    other = threading.Thread(target=another_request_creates_it_first)
    other.start()
    assert inserted.wait(timeout=10)
    response = client.post(templates_url(phone_number.pk), template_body(), format="json")
    other.join()

    assert response.status_code == 400
    assert "name" in response.json()
    assert WhatsAppTemplate.objects.count() == 1
