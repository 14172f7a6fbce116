"""A sync and a webhook on the same template at once, on PostgreSQL where they really overlap."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from templates_app.models import SyncRun, TemplateStatus, WhatsAppTemplate
from templates_app.services.sync import run_sync
from tests import factories
from tests.meta_events import status_update
from tests.templates_app.test_template_sync import listed

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def sync_while_a_webhook_holds(held: WhatsAppTemplate) -> SyncRun:
    """Run a sync of `held`'s account while a webhook applying Meta's newer PAUSED of `held`
    holds its row; the sync must wait for it. Returns the sync's run, finished."""
    from templates_app.services.state_machine import apply_template_event

    holding, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def webhook() -> None:
        # Meta paused it a minute after the sync will ask; the delivery holds the row a while.
        event = status_update(held, "PAUSED", occurred_at=timezone.now() + timedelta(minutes=1))
        try:
            with transaction.atomic():
                apply_template_event(event=event, received_at=timezone.now())
                holding.set()
                release.wait(timeout=10)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=webhook)
    thread.start()
    assert holding.wait(timeout=10)
    run = SyncRun.objects.create(business_account=held.business_account)
    syncing = threading.Thread(target=lambda: (run_sync(run_id=run.pk), connection.close()))
    syncing.start()
    syncing.join(timeout=1)
    assert syncing.is_alive()  # blocked on the webhook's row lock
    release.set()
    thread.join(timeout=10)
    syncing.join(timeout=30)

    assert not errors, errors
    run.refresh_from_db()
    return run


def test_sync_waits_for_a_webhook_holding_the_row_and_its_newer_event_wins(synced_number, graph):
    account = synced_number.business_account
    template = factories.WhatsAppTemplateFactory(phone_number=synced_number)
    template.components = {"body": f"{template.name} ({template.language})"}
    template.save()
    graph.templates[account.waba_id] = [listed(template, status="DISABLED")]

    run = sync_while_a_webhook_holds(template)

    template.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED, run.errors
    assert template.status == TemplateStatus.PAUSED
    assert run.changes_applied == 0


def test_a_page_applied_as_a_set_waits_for_a_webhook_holding_one_row_and_applies_the_rest(
    synced_number, graph, caplog
):
    account = synced_number.business_account
    templates = [factories.WhatsAppTemplateFactory(phone_number=synced_number) for _ in range(3)]
    for template in templates:
        template.components = {"body": f"{template.name} ({template.language})"}
        template.save()
    held = templates[1]
    graph.templates[account.waba_id] = [listed(t, status="DISABLED") for t in templates]

    # The page's templates are locked together: the sync waits for the held row.
    run = sync_while_a_webhook_holds(held)

    assert run.status == SyncRun.Status.SUCCEEDED, run.errors
    assert run.changes_applied == 2
    statuses = dict(WhatsAppTemplate.objects.values_list("pk", "status"))
    assert statuses == {
        templates[0].pk: TemplateStatus.DISABLED,
        held.pk: TemplateStatus.PAUSED,
        templates[2].pk: TemplateStatus.DISABLED,
    }
    assert "as a set failed" not in caplog.text
