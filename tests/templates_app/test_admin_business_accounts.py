"""The business-account and phone-number admins write through the registration services: a WABA
id is proven for itself, never edited in place, and a taken one is a form error."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from organizations.models import User
from pytake.exceptions import ApplicationError
from templates_app.models import BusinessAccount, PhoneNumber
from templates_app.services import accounts
from tests import factories
from tests.graph import GRAPH_TOKEN

pytestmark = pytest.mark.django_db

ACCOUNTS = "/admin/templates_app/businessaccount/"
NUMBERS = "/admin/templates_app/phonenumber/"
ACCOUNTS_API = "/api/v1/whatsapp/accounts/"
OURS = "102290129341111"
THEIRS = "102290129342222"


@pytest.fixture
def staff(organization) -> User:
    user = factories.OrgAdminFactory(organization=organization, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="templates_app"))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def staff_browser(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def meta_knows_both(graph):
    graph.templates[OURS] = []
    graph.templates[THEIRS] = []
    return graph


def test_a_proven_wabas_id_cannot_be_changed_to_another_organizations(
    admin_client, staff_browser, other_admin_client, meta_knows_both
):
    proven = admin_client.post(
        ACCOUNTS_API, {"waba_id": OURS, "name": "Ours", "access_token": GRAPH_TOKEN}, format="json"
    )
    assert proven.json()["ownership_proven"] is True
    account = BusinessAccount.objects.get(waba_id=OURS)

    response = staff_browser.post(
        f"{ACCOUNTS}{account.pk}/change/", {"waba_id": THEIRS, "name": "Ours, renamed"}
    )

    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.waba_id, account.name, account.ownership_proven) == (
        OURS,
        "Ours, renamed",
        True,
    )
    # The real owner of THEIRS registers it and proves it: nobody squats it.
    theirs = other_admin_client.post(
        ACCOUNTS_API,
        {"waba_id": THEIRS, "name": "Theirs", "access_token": GRAPH_TOKEN},
        format="json",
    )
    assert theirs.status_code == 201, theirs.json()
    assert theirs.json()["ownership_proven"] is True


def test_the_waba_id_is_shown_but_not_offered_on_the_change_form(staff_browser, organization):
    account = factories.BusinessAccountFactory(organization=organization, waba_id=OURS)

    page = staff_browser.get(f"{ACCOUNTS}{account.pk}/change/")

    form = page.context["adminform"].form
    assert "waba_id" not in form.fields
    assert OURS in page.content.decode()


def test_a_waba_id_another_organization_holds_is_a_form_error(staff_browser, other_organization):
    factories.BusinessAccountFactory(organization=other_organization, waba_id=THEIRS)

    response = staff_browser.post(f"{ACCOUNTS}add/", {"waba_id": THEIRS, "name": "Mine now"})

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "access token" in errors["waba_id"][0]
    assert BusinessAccount.objects.filter(waba_id=THEIRS).count() == 1


def test_a_superuser_adding_a_live_waba_id_twice_gets_a_form_error(super_admin, organization):
    factories.BusinessAccountFactory(organization=organization, waba_id=OURS)
    client = Client()
    client.force_login(super_admin)

    response = client.post(
        f"{ACCOUNTS}add/", {"organization": str(organization.pk), "waba_id": OURS, "name": "Again"}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["waba_id"]
    assert BusinessAccount.objects.filter(waba_id=OURS).count() == 1


def test_adding_with_a_token_that_sees_the_waba_proves_it(staff_browser, organization, graph):
    graph.templates[OURS] = []

    response = staff_browser.post(
        f"{ACCOUNTS}add/", {"waba_id": OURS, "name": "Ours", "access_token": GRAPH_TOKEN}
    )

    assert response.status_code == 302
    account = BusinessAccount.objects.get(waba_id=OURS)
    assert account.organization == organization
    assert account.ownership_proven


def test_adding_with_a_token_that_cannot_see_the_waba_is_a_form_error(staff_browser, graph):
    graph.templates[THEIRS] = []  # Meta knows another WABA, not this one

    response = staff_browser.post(
        f"{ACCOUNTS}add/", {"waba_id": OURS, "name": "Ours", "access_token": GRAPH_TOKEN}
    )

    assert response.status_code == 200
    assert "cannot see" in response.context["adminform"].form.errors["access_token"][0]
    assert not BusinessAccount.objects.exists()


def test_adding_a_squatted_waba_with_proof_claims_it(
    staff_browser, organization, other_organization, graph
):
    graph.templates[OURS] = []
    squatter = factories.BusinessAccountFactory(organization=other_organization, waba_id=OURS)

    response = staff_browser.post(
        f"{ACCOUNTS}add/", {"waba_id": OURS, "name": "Ours", "access_token": GRAPH_TOKEN}
    )

    assert response.status_code == 302
    squatter.refresh_from_db()
    assert squatter.released_at is not None
    live = BusinessAccount.objects.get(waba_id=OURS, released_at__isnull=True)
    assert (live.organization, live.ownership_proven) == (organization, True)


def test_a_token_typed_on_the_change_form_keeps_no_proof_of_another_id(staff_browser, organization):
    account = factories.BusinessAccountFactory(organization=organization, waba_id=OURS)

    staff_browser.post(
        f"{ACCOUNTS}{account.pk}/change/",
        {"waba_id": THEIRS, "name": account.name, "access_token": "EAAG-typed-in"},
    )

    account.refresh_from_db()
    assert (account.waba_id, account.has_access_token, account.ownership_proven) == (
        OURS,
        True,
        False,
    )


# --- phone numbers -----------------------------------------------------------------------------


def test_a_numbers_meta_id_is_not_edited_in_place(staff_browser, phone_number, other_phone_number):
    original = phone_number.phone_number_id

    page = staff_browser.get(f"{NUMBERS}{phone_number.pk}/change/")
    response = staff_browser.post(
        f"{NUMBERS}{phone_number.pk}/change/",
        {
            "business_account": str(phone_number.business_account_id),
            "phone_number_id": "106540352299999",
            "display_phone_number": "+1 555 0000000",
        },
    )

    assert "phone_number_id" not in page.context["adminform"].form.fields
    assert response.status_code == 302
    phone_number.refresh_from_db()
    assert (phone_number.phone_number_id, phone_number.display_phone_number) == (
        original,
        "+1 555 0000000",
    )


def test_a_number_added_in_the_admin_joins_an_account_of_the_organization(
    staff_browser, organization, other_phone_number
):
    account = factories.BusinessAccountFactory(organization=organization)

    taken = staff_browser.post(
        f"{NUMBERS}add/",
        {
            "business_account": str(account.pk),
            "phone_number_id": other_phone_number.phone_number_id,
            "display_phone_number": "+1 555 1111111",
        },
    )
    added = staff_browser.post(
        f"{NUMBERS}add/",
        {
            "business_account": str(account.pk),
            "phone_number_id": "106540352288888",
            "display_phone_number": "+1 555 2222222",
        },
    )

    assert taken.status_code == 200
    assert taken.context["adminform"].form.errors["phone_number_id"]
    assert added.status_code == 302
    assert PhoneNumber.objects.get(phone_number_id="106540352288888").business_account == account


def test_a_proof_from_meta_stands_for_its_own_waba_id_only(organization, graph):
    graph.templates[OURS] = []
    proof = accounts.prove_ownership(waba_id=OURS, access_token=GRAPH_TOKEN)

    with pytest.raises(ApplicationError, match="each WABA id needs its own proof"):
        accounts.register_business_account(
            organization=organization, waba_id=THEIRS, name="Theirs", proof=proof
        )

    assert not BusinessAccount.objects.exists()
