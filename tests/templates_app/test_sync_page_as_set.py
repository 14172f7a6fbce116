"""A sync applies each page's differences as one unit of work, as a webhook delivery's changes
are; one template whose change raises still never sinks the others."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alerts.models import Alert
from audit.models import AuditLog
from campaigns.models import Campaign
from templates_app.graph_client import GraphClient
from templates_app.meta.graph import graph_template
from templates_app.models import SyncRun, TemplateStatus, WhatsAppTemplate
from templates_app.services.sync import SyncTally, sync_templates
from tests import factories
from tests.graph import GRAPH_TOKEN
from tests.templates_app.test_template_sync import listed

pytestmark = pytest.mark.django_db

# Every statement of one page of changed templates, however many: the page's templates read,
# then locked, written in one UPDATE, their campaigns moved, alerts raised, audit entries and
# live messages inserted, a savepoint or two, and the query for what a complete listing lacks.
PAGE_BUDGET = 30


@pytest.fixture
def numbered(synced_number):
    """`count` templates Meta lists as we hold them, each with two active campaigns."""

    def make(count: int) -> list[WhatsAppTemplate]:
        templates = [
            factories.WhatsAppTemplateFactory.build(phone_number=synced_number)
            for _ in range(count)
        ]
        for template in templates:
            template.components = {"body": f"{template.name} ({template.language})"}
        WhatsAppTemplate.objects.bulk_create(templates)
        Campaign.objects.bulk_create(
            Campaign(
                organization_id=template.organization_id,
                template=template,
                name=f"{template.name} {n}",
                status=Campaign.Status.ACTIVE,
            )
            for template in templates
            for n in range(2)
        )
        return templates

    return make


def sync_once(account) -> tuple[SyncTally, list[str]]:
    """One sync's listing, applied; the statements it sent."""
    tally = SyncTally()
    with GraphClient(access_token=GRAPH_TOKEN) as client, CaptureQueriesContext(connection) as ran:
        sync_templates(account=account, client=client, tally=tally)
    return tally, [query["sql"] for query in ran.captured_queries]


@pytest.mark.parametrize("count", [20, 200])
def test_a_page_of_changed_templates_costs_a_budget_that_does_not_grow_with_it(
    synced_account, graph, numbered, settings, count
):
    settings.GRAPH_API_PAGE_SIZE = 200
    templates = numbered(count)
    # Half paused (their campaigns pause, an alert each), half turned RED (an alert each).
    graph.templates[synced_account.waba_id] = [
        listed(template, status="PAUSED") if n % 2 else listed(template, quality="RED")
        for n, template in enumerate(templates)
    ]

    tally, statements = sync_once(synced_account)

    kinds = Counter(sql.split(None, 1)[0].upper() for sql in statements)
    assert len(statements) <= PAGE_BUDGET, kinds
    assert (tally.pages, tally.changes_applied, tally.errors) == (1, count, [])
    paused = WhatsAppTemplate.objects.filter(status=TemplateStatus.PAUSED)
    assert paused.count() == count // 2
    assert WhatsAppTemplate.objects.filter(quality_score="RED").count() == count // 2
    assert Campaign.objects.filter(status=Campaign.Status.PAUSED).count() == count
    assert Alert.objects.filter(status=Alert.Status.OPEN).count() == count
    assert (
        AuditLog.objects.filter(
            actor_type=AuditLog.ActorType.SYNC, action="template.status_changed"
        ).count()
        == count // 2
    )


def test_templates_meta_lists_that_we_lack_are_created_together_with_their_state(
    synced_account, synced_number, graph, settings
):
    settings.GRAPH_API_PAGE_SIZE = 100
    graph.templates[synced_account.waba_id] = [
        graph_template(
            meta_template_id=str(9400000000000000 + n),
            name=f"new_{n}",
            language="en_US",
            status="PAUSED" if n % 2 else "APPROVED",
            category="MARKETING",
            quality="YELLOW",
        )
        for n in range(100)
    ]

    tally, statements = sync_once(synced_account)

    assert len(statements) <= PAGE_BUDGET
    assert (tally.templates_created, tally.errors) == (100, [])
    created = WhatsAppTemplate.objects.filter(business_account=synced_account)
    assert created.count() == 100
    assert created.filter(status=TemplateStatus.PAUSED).count() == 50
    assert created.filter(phone_number=synced_number, quality_score="YELLOW").count() == 100


def test_templates_a_complete_listing_lacks_are_marked_deleted_together(
    synced_account, graph, numbered, settings
):
    settings.GRAPH_API_PAGE_SIZE = 200
    kept, *gone = numbered(101)
    graph.templates[synced_account.waba_id] = [listed(kept)]

    tally, statements = sync_once(synced_account)

    assert len(statements) <= PAGE_BUDGET
    assert (tally.listing_complete, tally.templates_deleted, tally.errors) == (True, 100, [])
    assert WhatsAppTemplate.objects.filter(status=TemplateStatus.DELETED).count() == 100
    assert Campaign.objects.filter(template__in=gone, status=Campaign.Status.PAUSED).count() == 200
    assert not Campaign.objects.filter(template=kept, status=Campaign.Status.PAUSED).exists()


def test_one_template_whose_change_raises_leaves_the_others_applied_and_its_error_on_the_run(
    synced_account, graph, numbered, plug_reaction, django_capture_on_commit_callbacks, caplog
):
    from templates_app.services.sync import request_sync

    templates = numbered(5)
    broken = templates[2]

    def explode_for_one(changes, context) -> None:
        if any(change.template.pk == broken.pk for change in changes):
            raise RuntimeError("campaign store unreachable")

    plug_reaction(explode_for_one)
    graph.templates[synced_account.waba_id] = [
        listed(template, status="PAUSED") for template in templates
    ]

    with django_capture_on_commit_callbacks(execute=True):
        run = request_sync(account=synced_account)
    run.refresh_from_db()

    assert "applying them one at a time" in caplog.text
    assert run.status == SyncRun.Status.FAILED
    assert run.changes_applied == 4
    assert run.errors == [
        f"Template {broken.name} (en_US), Meta id {broken.meta_template_id}: RuntimeError: "
        "campaign store unreachable. The next sync retries it."
    ]
    statuses = dict(WhatsAppTemplate.objects.values_list("pk", "status"))
    assert statuses.pop(broken.pk) == TemplateStatus.APPROVED
    assert set(statuses.values()) == {TemplateStatus.PAUSED}
    assert not Campaign.objects.filter(template=broken, status=Campaign.Status.PAUSED).exists()
    assert Campaign.objects.filter(status=Campaign.Status.PAUSED).count() == 8
    assert not AuditLog.objects.filter(target_id=str(broken.pk)).exists()


def test_one_template_that_cannot_be_marked_deleted_leaves_the_others_marked(
    synced_account, graph, numbered, plug_reaction, caplog
):
    kept, *gone = numbered(4)
    broken = gone[0]

    def explode_for_one(changes, context) -> None:
        if any(change.template.pk == broken.pk for change in changes):
            raise RuntimeError("campaign store unreachable")

    plug_reaction(explode_for_one)
    graph.templates[synced_account.waba_id] = [listed(kept)]

    tally, _ = sync_once(synced_account)

    assert "applying them one at a time" in caplog.text
    assert tally.templates_deleted == 2
    assert tally.errors == [
        f"Template {broken.name} (en_US), Meta id {broken.meta_template_id}: "
        "campaign store unreachable"
    ]
    statuses = dict(WhatsAppTemplate.objects.values_list("pk", "status"))
    assert statuses[broken.pk] == TemplateStatus.APPROVED
    assert [statuses[template.pk] for template in gone[1:]] == [TemplateStatus.DELETED] * 2
