"""Audit entries are appended, never changed: the model, the admin and PostgreSQL all refuse."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client

from audit import services
from audit.models import AppendOnlyError, AuditLog
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(organization):
    return services.record(
        organization_id=organization.pk,
        actor_type=AuditLog.ActorType.SYSTEM,
        action="campaign.paused",
        target_type="campaign",
        target_id="c-1",
        reason="original",
    )


def test_saving_an_existing_entry_raises_and_changes_nothing(entry):
    entry.reason = "rewritten"

    with pytest.raises(AppendOnlyError):
        entry.save()

    assert AuditLog.objects.get(pk=entry.pk).reason == "original"


def test_deleting_an_entry_raises_and_keeps_it(entry):
    with pytest.raises(AppendOnlyError):
        entry.delete()

    assert AuditLog.objects.filter(pk=entry.pk).exists()


def test_queryset_update_and_delete_raise(entry):
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.all().delete()

    assert AuditLog.objects.get(pk=entry.pk).reason == "original"


def test_a_user_entry_must_name_its_user(organization):
    with pytest.raises(ValueError, match="user"):
        services.record(
            organization_id=organization.pk,
            actor_type=AuditLog.ActorType.USER,
            action="campaign.paused",
            target_type="campaign",
            target_id="c-1",
        )

    assert not AuditLog.objects.exists()


def test_admin_shows_entries_but_offers_no_add_change_or_delete(entry, super_admin):
    client = Client()
    client.force_login(super_admin)
    change_url = f"/admin/audit/auditlog/{entry.pk}/change/"

    listing = client.get("/admin/audit/auditlog/")
    detail = client.get(change_url)
    add = client.get("/admin/audit/auditlog/add/")
    edit = client.post(change_url, {"reason": "rewritten"})
    delete = client.post(f"/admin/audit/auditlog/{entry.pk}/delete/", {"post": "yes"})

    assert listing.status_code == 200 and "campaign.paused" in listing.content.decode()
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert (add.status_code, edit.status_code, delete.status_code) == (403, 403, 403)
    assert AuditLog.objects.get(pk=entry.pk).reason == "original"


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_auditlog SET reason = 'rewritten'", "DELETE FROM audit_auditlog"],
)
def test_postgresql_trigger_rejects_update_and_delete_in_raw_sql(entry, statement):
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)

    assert AuditLog.objects.get(pk=entry.pk).reason == "original"


@pytest.mark.postgres
def test_postgresql_trigger_rejects_writes_that_get_around_the_model(entry):
    # The base manager is a plain Manager: only the database stands in the way.
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditLog._base_manager.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditLog._base_manager.filter(pk=entry.pk)._raw_delete(connection.alias)

    assert AuditLog.objects.get(pk=entry.pk).reason == "original"


@pytest.mark.postgres
def test_postgresql_trigger_lets_new_entries_in(organization):
    factories.AuditLogFactory.create_batch(3, organization=organization)

    assert AuditLog.objects.count() == 3
