"""Registering business accounts with proof of ownership, the access token's secrecy, and the
sync endpoints."""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from rest_framework.test import APIClient

from alerts.models import Alert
from audit.models import AuditLog
from pytake.crypto import decrypt_secret
from templates_app.graph_stand_in import token_expired
from templates_app.models import BusinessAccount, SyncRun, WhatsAppTemplate
from templates_app.services.accounts import store_access_token
from tests import factories
from tests.graph import GRAPH_TOKEN
from tests.meta_events import apply_status

pytestmark = pytest.mark.django_db

ACCOUNTS_URL = "/api/v1/whatsapp/accounts/"
WABA = "102290129341111"


def sync_url(account: BusinessAccount) -> str:
    return f"{ACCOUNTS_URL}{account.pk}/sync"


def syncs_url(account: BusinessAccount) -> str:
    return f"{ACCOUNTS_URL}{account.pk}/syncs/"


@pytest.fixture
def meta_knows_waba(graph):
    graph.templates[WABA] = []
    return graph


# --- proof of ownership ------------------------------------------------------------------------


def test_registering_with_a_token_that_sees_the_waba_proves_it(admin_client, meta_knows_waba):
    response = admin_client.post(
        ACCOUNTS_URL,
        {"waba_id": WABA, "name": "Acme", "access_token": GRAPH_TOKEN},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["ownership_proven"] is True
    assert (body["has_access_token"], body["token_status"]) == (True, "stored")
    account = BusinessAccount.objects.get(waba_id=WABA)
    assert decrypt_secret(account.access_token_encrypted) == GRAPH_TOKEN


def test_token_that_cannot_see_the_waba_is_a_400_and_saves_nothing(admin_client, graph):
    graph.templates["102290129349999"] = []  # Meta knows another WABA, not this one

    response = admin_client.post(
        ACCOUNTS_URL,
        {"waba_id": WABA, "name": "Acme", "access_token": GRAPH_TOKEN},
        format="json",
    )

    assert response.status_code == 400
    assert "cannot see" in response.json()["detail"]
    assert not BusinessAccount.objects.exists()


def test_token_meta_refuses_is_a_400_and_saves_nothing(admin_client, meta_knows_waba):
    response = admin_client.post(
        ACCOUNTS_URL,
        {"waba_id": WABA, "name": "Acme", "access_token": "EAAG-not-the-right-token"},
        format="json",
    )

    assert response.status_code == 400
    assert "access_token" in response.json()
    assert not BusinessAccount.objects.exists()


def test_squatted_waba_id_is_claimed_by_the_organization_that_proves_it(
    admin_client, org_admin, organization, other_organization, meta_knows_waba, webhook_settings
):
    squatter = factories.BusinessAccountFactory(organization=other_organization, waba_id=WABA)
    squatted_template = factories.WhatsAppTemplateFactory(
        phone_number__business_account=squatter, name="order_update"
    )

    response = admin_client.post(
        ACCOUNTS_URL,
        {"waba_id": WABA, "name": "Ours", "access_token": GRAPH_TOKEN},
        format="json",
    )

    assert response.status_code == 201, response.json()
    squatter.refresh_from_db()
    assert squatter.released_at is not None
    ours = BusinessAccount.objects.get(waba_id=WABA, released_at__isnull=True)
    assert ours.organization == organization and ours.ownership_proven
    # The released account keeps its rows, and the audit trail tells both organizations.
    assert WhatsAppTemplate.objects.filter(pk=squatted_template.pk).exists()
    released = AuditLog.objects.get(action="business_account.released")
    claimed = AuditLog.objects.get(action="business_account.claimed")
    assert released.organization == other_organization
    assert claimed.organization == organization
    assert (claimed.actor_type, claimed.actor) == (AuditLog.ActorType.USER, org_admin)
    assert released.actor is None  # the released organization is not told who claimed it
    # Its people hear of it: an alert about the account, in their own organization.
    alert = Alert.objects.get(kind="ACCOUNT_RELEASED")
    assert (alert.organization, alert.business_account, alert.severity) == (
        other_organization,
        squatter,
        "WARNING",
    )
    assert other_admin_alerts(other_organization) == [alert.title]
    # Meta's webhooks for that WABA now reach the proven account, not the squatter's template.
    template = factories.WhatsAppTemplateFactory(
        phone_number__business_account=ours, name="order_update"
    )
    apply_status(template, "PAUSED")
    squatted_template.refresh_from_db()
    assert template.status == "PAUSED"
    assert squatted_template.status == "APPROVED"


def other_admin_alerts(organization) -> list[str]:
    """The alert titles an org admin of `organization` reads from the alerts API."""
    client = APIClient()
    client.force_authenticate(factories.OrgAdminFactory(organization=organization))
    return [alert["title"] for alert in client.get("/api/v1/alerts/").json()["results"]]


def test_proven_account_cannot_be_taken_over(admin_client, other_organization, meta_knows_waba):
    owner = factories.BusinessAccountFactory(organization=other_organization, waba_id=WABA)
    store_access_token(account=owner, access_token="theirs")
    BusinessAccount.objects.filter(pk=owner.pk).update(ownership_verified_at="2026-01-01T00:00Z")

    response = admin_client.post(
        ACCOUNTS_URL,
        {"waba_id": WABA, "name": "Ours", "access_token": GRAPH_TOKEN},
        format="json",
    )

    assert response.status_code == 409
    owner.refresh_from_db()
    assert owner.released_at is None
    assert BusinessAccount.objects.count() == 1


def test_squatted_waba_without_a_token_is_a_400_that_says_how_to_claim(
    admin_client, other_organization
):
    factories.BusinessAccountFactory(organization=other_organization, waba_id=WABA)

    response = admin_client.post(ACCOUNTS_URL, {"waba_id": WABA, "name": "Ours"}, format="json")

    assert response.status_code == 400
    assert "access token" in response.json()["detail"]
    assert BusinessAccount.objects.count() == 1


# --- the token stays secret --------------------------------------------------------------------


def test_access_token_is_never_in_a_response_a_log_or_the_admin(
    admin_client, organization, meta_knows_waba, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    created = admin_client.post(
        ACCOUNTS_URL,
        {"waba_id": WABA, "name": "Acme", "access_token": GRAPH_TOKEN},
        format="json",
    )
    account = BusinessAccount.objects.get(waba_id=WABA)
    ciphertext = account.access_token_encrypted
    meta_knows_waba.fail_next(token_expired())  # an error path logs too
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(sync_url(account))
    listing = admin_client.get(ACCOUNTS_URL)
    syncs = admin_client.get(syncs_url(account))

    staff = factories.SuperAdminFactory()
    browser = Client()
    browser.force_login(staff)
    admin_page = browser.get(f"/admin/templates_app/businessaccount/{account.pk}/change/")

    assert admin_page.status_code == 200
    assert ciphertext and ciphertext != GRAPH_TOKEN
    for text in (
        created.content.decode(),
        listing.content.decode(),
        syncs.content.decode(),
        caplog.text,
        admin_page.content.decode(),
    ):
        assert GRAPH_TOKEN not in text
        assert ciphertext not in text


def test_token_typed_in_the_admin_is_stored_encrypted(organization):
    account = factories.BusinessAccountFactory(organization=organization)
    staff = factories.SuperAdminFactory()
    browser = Client()
    browser.force_login(staff)

    response = browser.post(
        f"/admin/templates_app/businessaccount/{account.pk}/change/",
        {
            "organization": organization.pk,
            "waba_id": account.waba_id,
            "name": account.name,
            "access_token": "EAAG-typed-in-the-admin",
        },
    )

    assert response.status_code == 302
    account.refresh_from_db()
    assert decrypt_secret(account.access_token_encrypted) == "EAAG-typed-in-the-admin"
    assert "EAAG-typed-in-the-admin" not in account.access_token_encrypted


def test_rotated_keys_still_read_old_tokens(settings, organization):
    from cryptography.fernet import Fernet

    from pytake.crypto import reencrypt_secret

    account = factories.BusinessAccountFactory(organization=organization)
    store_access_token(account=account, access_token=GRAPH_TOKEN)
    old_key = settings.FIELD_ENCRYPTION_KEY[0]
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode(), old_key]

    assert decrypt_secret(account.access_token_encrypted) == GRAPH_TOKEN
    rotated = reencrypt_secret(account.access_token_encrypted)
    settings.FIELD_ENCRYPTION_KEY = settings.FIELD_ENCRYPTION_KEY[:1]
    assert decrypt_secret(rotated) == GRAPH_TOKEN


# --- the sync endpoints ------------------------------------------------------------------------


def test_org_admin_starts_a_sync_and_gets_its_run(
    admin_client, synced_account, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(sync_url(synced_account))

    assert response.status_code == 202
    run = SyncRun.objects.get()
    assert response.json()["id"] == run.pk
    history = admin_client.get(syncs_url(synced_account)).json()
    assert [row["id"] for row in history["results"]] == [run.pk]
    assert history["results"][0]["status"] == "succeeded"


def test_second_sync_while_one_runs_is_a_409(admin_client, synced_account):
    SyncRun.objects.create(business_account=synced_account, status=SyncRun.Status.RUNNING)

    response = admin_client.post(sync_url(synced_account))

    assert response.status_code == 409
    assert "already" in response.json()["detail"]
    assert SyncRun.objects.count() == 1


def test_stale_running_sync_no_longer_blocks(admin_client, synced_account, settings):
    settings.TEMPLATE_SYNC_STALE_AFTER_SECONDS = 0
    stale = SyncRun.objects.create(
        business_account=synced_account,
        status=SyncRun.Status.RUNNING,
        started_at="2026-01-01T00:00Z",
    )

    response = admin_client.post(sync_url(synced_account))

    assert response.status_code == 202
    stale.refresh_from_db()
    assert stale.status == SyncRun.Status.FAILED


def test_member_cannot_start_a_sync(member_client, synced_account):
    assert member_client.post(sync_url(synced_account)).status_code == 403
    assert not SyncRun.objects.exists()


def test_member_reads_the_sync_history(member_client, synced_account):
    SyncRun.objects.create(business_account=synced_account, status=SyncRun.Status.SUCCEEDED)

    response = member_client.get(syncs_url(synced_account))

    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_another_organizations_account_is_a_404(other_admin_client, synced_account):
    assert other_admin_client.post(sync_url(synced_account)).status_code == 404
    assert other_admin_client.get(syncs_url(synced_account)).status_code == 404
    assert not SyncRun.objects.exists()


def test_account_without_a_token_cannot_sync(admin_client, organization):
    account = factories.BusinessAccountFactory(organization=organization)

    response = admin_client.post(sync_url(account))

    assert response.status_code == 400
    assert "no Meta access token" in response.json()["detail"]


def test_admin_action_syncs_from_meta(synced_account, graph, django_capture_on_commit_callbacks):
    staff = factories.SuperAdminFactory()
    browser = Client()
    browser.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            "/admin/templates_app/businessaccount/",
            {"action": "sync_from_meta", "_selected_action": [str(synced_account.pk)]},
            follow=True,
        )

    assert response.status_code == 200
    run = SyncRun.objects.get()
    assert run.status == SyncRun.Status.SUCCEEDED
    assert f"sync {run.pk}" in response.content.decode()
