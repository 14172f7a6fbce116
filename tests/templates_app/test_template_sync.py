"""Syncing templates with Meta's Graph API, served by a real local HTTP server."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from django.utils import timezone

from alerts.models import Alert
from audit.models import AuditLog
from campaigns.models import Campaign
from templates_app.graph_stand_in import Answer, rate_limited, server_error, token_expired
from templates_app.meta.graph import graph_template
from templates_app.models import BusinessAccount, SyncRun, TemplateStatus, WhatsAppTemplate
from templates_app.services.sync import request_sync
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def sync_now(django_capture_on_commit_callbacks):
    """Ask for a sync as the API does; the task runs when the request's transaction commits."""

    def sync(account: BusinessAccount) -> SyncRun:
        with django_capture_on_commit_callbacks(execute=True):
            run = request_sync(account=account)
        run.refresh_from_db()
        return run

    return sync


def listed(template: WhatsAppTemplate, **overrides) -> dict:
    """`template` as Meta lists it, with `overrides` in Meta's words."""
    fields = {
        "meta_template_id": template.meta_template_id,
        "name": template.name,
        "language": template.language,
        "status": template.status,
        "category": template.category,
        "quality": template.quality_score,
        "components": template.components or None,
    }
    fields.update(overrides)
    return graph_template(**fields)


def new_listing(count: int, *, start: int = 1) -> list[dict]:
    return [
        graph_template(
            meta_template_id=str(9000000000000000 + n),
            name=f"listed_{n}",
            language="en_US",
            status="APPROVED",
            category="UTILITY",
        )
        for n in range(start, start + count)
    ]


@pytest.fixture
def in_sync(synced_number, graph):
    """A template Meta lists exactly as we hold it (after one sync learned its components)."""

    def make(**fields) -> WhatsAppTemplate:
        template = factories.WhatsAppTemplateFactory(phone_number=synced_number, **fields)
        template.components = {
            "title": None,
            "body": f"{template.name} ({template.language})",
            "footer": None,
            "buttons": [],
        }
        template.save()
        return template

    return make


# --- pagination --------------------------------------------------------------------------------


def test_sync_follows_next_links_over_three_pages(synced_account, graph, sync_now, settings):
    settings.GRAPH_API_PAGE_SIZE = 2
    graph.templates[synced_account.waba_id] = new_listing(5)

    run = sync_now(synced_account)

    assert run.status == SyncRun.Status.SUCCEEDED, run.errors
    assert (run.pages, run.templates_seen, run.templates_created) == (3, 5, 5)
    assert run.listing_complete
    names = set(WhatsAppTemplate.objects.values_list("name", flat=True))
    assert names == {f"listed_{n}" for n in range(1, 6)}
    # Meta's `next` links carry the token in their query; we never sent it back in a URL.
    assert not [r for r in graph.requests if "access_token" in r]


def test_sync_follows_cursors_when_meta_gives_no_next_link(
    synced_account, graph, sync_now, settings
):
    settings.GRAPH_API_PAGE_SIZE = 2
    graph.cursors_only = True
    graph.templates[synced_account.waba_id] = new_listing(5)

    run = sync_now(synced_account)

    assert run.status == SyncRun.Status.SUCCEEDED, run.errors
    assert run.templates_seen == 5
    assert WhatsAppTemplate.objects.filter(business_account=synced_account).count() == 5
    listing_requests = [r for r in graph.requests if "message_templates" in r]
    assert any("after=4" in r for r in listing_requests)  # asked past the last, got no data


# --- each kind of difference -------------------------------------------------------------------


def test_sync_applies_a_status_meta_changed(synced_account, graph, sync_now, in_sync):
    template = in_sync()
    graph.templates[synced_account.waba_id] = [listed(template, status="PAUSED")]

    run = sync_now(synced_account)

    template.refresh_from_db()
    assert template.status == TemplateStatus.PAUSED
    assert run.changes_applied == 1
    entry = AuditLog.objects.get(action="template.status_changed", target_id=str(template.pk))
    assert entry.actor_type == AuditLog.ActorType.SYNC
    assert entry.changes["status"] == ["APPROVED", "PAUSED"]


def test_sync_applies_quality(synced_account, graph, sync_now, in_sync):
    template = in_sync()
    graph.templates[synced_account.waba_id] = [listed(template, quality="RED")]

    sync_now(synced_account)

    template.refresh_from_db()
    assert template.quality_score == "RED"
    assert AuditLog.objects.filter(
        action="template.quality_changed", actor_type=AuditLog.ActorType.SYNC
    ).exists()


def test_sync_keeps_a_legacy_category_as_text(synced_account, graph, sync_now, in_sync):
    template = in_sync()
    graph.templates[synced_account.waba_id] = [listed(template, category="TRANSACTIONAL")]

    sync_now(synced_account)

    template.refresh_from_db()
    assert template.category == "TRANSACTIONAL"


def test_sync_applies_a_rejection_and_its_reason(synced_account, graph, sync_now, in_sync):
    template = in_sync(status=TemplateStatus.PENDING)
    graph.templates[synced_account.waba_id] = [
        listed(template, status="REJECTED", rejected_reason="INVALID_FORMAT")
    ]

    sync_now(synced_account)

    template.refresh_from_db()
    assert (template.status, template.rejection_reason) == ("REJECTED", "INVALID_FORMAT")


def test_sync_applies_a_new_rejection_reason_of_a_rejected_template(
    synced_account, graph, sync_now, in_sync
):
    template = in_sync(status=TemplateStatus.REJECTED, rejection_reason="PROMOTIONAL")
    graph.templates[synced_account.waba_id] = [
        listed(template, status="REJECTED", rejected_reason="SCAM")
    ]

    sync_now(synced_account)

    template.refresh_from_db()
    assert template.rejection_reason == "SCAM"


def test_sync_applies_changed_components(synced_account, graph, sync_now, in_sync):
    template = in_sync()
    components = {
        "title": "Your order",
        "body": "Hi {{1}}, your order shipped.",
        "footer": "Acme",
        "buttons": [{"type": "URL", "text": "Track", "url": "https://acme.example/t/{{1}}"}],
    }
    graph.templates[synced_account.waba_id] = [listed(template, components=components)]

    sync_now(synced_account)

    template.refresh_from_db()
    assert template.components == components
    assert AuditLog.objects.filter(action="template.components_changed").exists()


def test_unchanged_template_changes_nothing(synced_account, graph, sync_now, in_sync):
    template = in_sync()
    graph.templates[synced_account.waba_id] = [listed(template)]
    before = template.updated_at

    run = sync_now(synced_account)

    template.refresh_from_db()
    assert (run.changes_applied, run.templates_seen) == (0, 1)
    assert template.updated_at == before
    assert not AuditLog.objects.filter(target_id=str(template.pk)).exists()


def test_template_meta_lists_that_we_lack_is_created_with_its_state(
    synced_account, synced_number, graph, sync_now
):
    graph.templates[synced_account.waba_id] = [
        graph_template(
            meta_template_id="9100000000000001",
            name="spring_sale",
            language="pt_BR",
            status="PAUSED",
            category="MARKETING",
            quality="YELLOW",
        )
    ]

    run = sync_now(synced_account)

    template = WhatsAppTemplate.objects.get(meta_template_id="9100000000000001")
    assert (template.name, template.language, template.status, template.quality_score) == (
        "spring_sale",
        "pt_BR",
        "PAUSED",
        "YELLOW",
    )
    assert template.phone_number == synced_number  # the WABA's only number sends it
    assert run.templates_created == 1


def test_template_a_complete_listing_lacks_becomes_deleted(
    synced_account, graph, sync_now, in_sync
):
    kept, gone = in_sync(), in_sync()
    campaign = factories.CampaignFactory(template=gone)
    graph.templates[synced_account.waba_id] = [listed(kept)]

    run = sync_now(synced_account)

    gone.refresh_from_db()
    campaign.refresh_from_db()
    assert gone.status == TemplateStatus.DELETED
    assert campaign.status == Campaign.Status.PAUSED
    assert (run.templates_deleted, run.listing_complete) == (1, True)


def test_template_missing_from_a_partial_listing_is_not_deleted(
    synced_account, graph, sync_now, in_sync, settings
):
    settings.GRAPH_API_PAGE_SIZE = 1
    first, second, unlisted = in_sync(), in_sync(), in_sync()
    graph.templates[synced_account.waba_id] = [listed(first), listed(second, quality="RED")]
    # The first page is served; the second fails on every try: the listing stops half way.
    listing = "message_templates"
    graph.fail_next(
        Answer(0, path_end=listing),
        *[replace(server_error(), path_end=listing) for _ in range(5)],
    )

    run = sync_now(synced_account)

    unlisted.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED
    assert (run.pages, run.listing_complete) == (1, False)
    assert unlisted.status == TemplateStatus.APPROVED
    assert not WhatsAppTemplate.objects.filter(status=TemplateStatus.DELETED).exists()


def test_template_meta_lists_unreadably_is_not_deleted(synced_account, graph, sync_now, in_sync):
    template = in_sync()
    broken = listed(template)
    broken["status"] = "SOMETHING_NEW"
    graph.templates[synced_account.waba_id] = [broken]

    run = sync_now(synced_account)

    template.refresh_from_db()
    assert template.status == TemplateStatus.APPROVED
    assert not run.listing_complete
    assert "unknown status" in run.errors[0]


# --- campaigns ---------------------------------------------------------------------------------


def test_sync_pauses_and_then_resumes_campaigns(synced_account, graph, sync_now, in_sync):
    template = in_sync()
    campaign = factories.CampaignFactory(template=template, auto_resume=True)
    graph.templates[synced_account.waba_id] = [listed(template, status="PAUSED")]

    sync_now(synced_account)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PAUSED

    graph.templates[synced_account.waba_id] = [listed(template, status="APPROVED")]
    sync_now(synced_account)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.ACTIVE


# --- errors and limits -------------------------------------------------------------------------


def test_rate_limit_then_success(synced_account, graph, sync_now, in_sync):
    template = in_sync()
    graph.templates[synced_account.waba_id] = [listed(template, quality="RED")]
    graph.fail_next(rate_limited(retry_after=0), rate_limited(retry_after=0, code=0))

    run = sync_now(synced_account)

    template.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED, run.errors
    assert template.quality_score == "RED"


def test_long_rate_limit_ends_the_sync_for_a_later_retry(synced_account, graph, sync_now, in_sync):
    template = in_sync()
    graph.templates[synced_account.waba_id] = [listed(template, quality="RED")]
    graph.fail_next(rate_limited(retry_after=3600))

    run = sync_now(synced_account)

    template.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED
    assert "rate limit" in run.errors[0]
    assert "3600 s" in run.errors[0]
    assert template.quality_score == "GREEN"
    assert len(graph.requests) == 1  # no hammering while Meta asks us to wait


def test_server_error_then_success(synced_account, graph, sync_now, in_sync):
    template = in_sync()
    graph.templates[synced_account.waba_id] = [listed(template, status="PAUSED")]
    graph.fail_next(server_error(), server_error())

    run = sync_now(synced_account)

    template.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED, run.errors
    assert template.status == TemplateStatus.PAUSED


def test_timeout_is_retried(synced_account, graph, sync_now, in_sync, settings):
    settings.GRAPH_API_TIMEOUT_SECONDS = 0.2
    template = in_sync()
    graph.templates[synced_account.waba_id] = [listed(template, status="PAUSED")]
    graph.fail_next(Answer(0, None, delay=0.5))

    run = sync_now(synced_account)

    template.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED, run.errors
    assert template.status == TemplateStatus.PAUSED


def test_five_failures_give_up_and_change_nothing(synced_account, graph, sync_now, in_sync):
    template = in_sync()
    graph.templates[synced_account.waba_id] = [listed(template, status="PAUSED")]
    graph.fail_next(*[server_error() for _ in range(5)])

    run = sync_now(synced_account)

    template.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED
    assert "An unexpected error has occurred" in run.errors[0]
    assert len(graph.requests) == 5
    assert template.status == TemplateStatus.APPROVED


def test_expired_token_stops_the_sync_and_raises_a_critical_alert(
    synced_account, graph, sync_now, in_sync, api_client
):
    in_sync()
    graph.fail_next(token_expired())

    run = sync_now(synced_account)

    synced_account.refresh_from_db()
    assert run.status == SyncRun.Status.FAILED
    assert "Meta access token no longer works" in run.errors[0]
    assert synced_account.token_status == BusinessAccount.TokenStatus.INVALID
    assert len(graph.requests) == 1  # 190 is never retried
    entry = AuditLog.objects.get(action="business_account.token_invalid")
    assert entry.reason.startswith("Meta access token no longer works")
    assert entry.changes["severity"] == "CRITICAL"
    assert (entry.changes["code"], entry.changes["subcode"]) == (190, 463)
    alert = Alert.objects.get()
    assert (alert.kind, alert.severity, alert.status) == (
        "ACCOUNT_TOKEN_INVALID",
        "CRITICAL",
        "OPEN",
    )
    assert (alert.business_account, alert.template) == (synced_account, None)
    assert alert.title == (
        f"Meta access token no longer works for business account {synced_account.name} "
        f"({synced_account.waba_id})."
    )


def test_account_with_an_invalid_token_cannot_sync_again(synced_account, graph, sync_now):
    graph.fail_next(token_expired())
    sync_now(synced_account)
    synced_account.refresh_from_db()

    with pytest.raises(Exception, match="no longer accepts"):
        sync_now(synced_account)
    assert SyncRun.objects.count() == 1


# --- webhooks and syncs, in either order --------------------------------------------------------


def test_webhook_newer_than_the_sync_wins(synced_account, graph, sync_now, in_sync):
    from tests.meta_events import apply_status

    template = in_sync()
    # Meta paused it after our sync asked (a webhook dated later than the listing).
    apply_status(template, "PAUSED", occurred_at=timezone.now() + timedelta(minutes=5))
    graph.templates[synced_account.waba_id] = [listed(template, status="APPROVED")]

    sync_now(synced_account)

    template.refresh_from_db()
    assert template.status == TemplateStatus.PAUSED


def test_webhook_older_than_the_sync_stays_stale(synced_account, graph, sync_now, in_sync):
    from tests.meta_events import apply_status

    template = in_sync()
    graph.templates[synced_account.waba_id] = [listed(template, status="PAUSED")]
    sync_now(synced_account)

    # A late webhook, dated before the sync asked, says APPROVED: the sync's view stands.
    apply_status(template, "APPROVED", occurred_at=timezone.now() - timedelta(minutes=5))

    template.refresh_from_db()
    assert template.status == TemplateStatus.PAUSED


# --- a webhook about a template we do not know --------------------------------------------------


def _deliver_unknown_template(waba_id: str) -> None:
    """A delivery (as the webhook stores and applies it) naming a template nobody knows."""
    from templates_app.meta import encode, parse_delivery_body, status_update_body
    from templates_app.services.deliveries import store_and_process

    body = encode(
        status_update_body(
            waba_id=waba_id,
            event="PAUSED",
            template_id="9000000000000001",
            name="listed_1",
            occurred_at=int(timezone.now().timestamp()),
        )
    )
    store_and_process(body=body, headers={}, parsed=parse_delivery_body(body))


def test_webhook_naming_an_unknown_template_syncs_the_account(
    synced_account, graph, django_capture_on_commit_callbacks
):
    graph.templates[synced_account.waba_id] = new_listing(1)

    with django_capture_on_commit_callbacks(execute=True):
        _deliver_unknown_template(synced_account.waba_id)

    run = SyncRun.objects.get()
    assert (run.trigger, run.status) == (SyncRun.Trigger.WEBHOOK, SyncRun.Status.SUCCEEDED)
    assert WhatsAppTemplate.objects.filter(name="listed_1").exists()


def test_unknown_template_of_an_account_without_token_asks_for_no_sync(meta_waba):
    _deliver_unknown_template(meta_waba.waba_id)

    assert not SyncRun.objects.exists()


# --- counts from Meta's analytics ---------------------------------------------------------------


def test_counts_come_from_meta_analytics_and_failures_only_from_settled_days(
    synced_account, graph, sync_now, in_sync, admin_client
):
    template = in_sync()
    graph.templates[synced_account.waba_id] = [listed(template)]
    graph.daily_counts[template.meta_template_id] = [
        (0, 10, 4, 1),  # today: 6 not delivered yet, not failures
        (5, 20, 18, 10),  # settled: 2 failed
        (12, 5, 5, 5),
    ]

    sync_now(synced_account)

    response = admin_client.get(
        f"/api/v1/whatsapp/{template.phone_number_id}/templates/{template.pk}/"
    )
    body = response.json()
    assert (
        body["sent_count"],
        body["delivered_count"],
        body["read_count"],
        body["failed_count"],
    ) == (35, 27, 16, 2)


def test_unchanged_listing_costs_one_query_per_page(
    synced_account, graph, in_sync, settings, django_assert_max_num_queries
):
    from templates_app.graph_client import GraphClient
    from templates_app.services.sync import SyncTally, sync_templates
    from tests.graph import GRAPH_TOKEN

    settings.GRAPH_API_PAGE_SIZE = 2
    graph.templates[synced_account.waba_id] = [listed(in_sync()) for _ in range(6)]
    tally = SyncTally()

    # 3 pages: one query each for the page's templates, one for what a complete listing lacks.
    with GraphClient(access_token=GRAPH_TOKEN) as client, django_assert_max_num_queries(4):
        sync_templates(account=synced_account, client=client, tally=tally)

    assert (tally.pages, tally.templates_seen, tally.changes_applied) == (3, 6, 0)


def test_template_recreated_under_a_new_id_replaces_the_deleted_one(
    synced_account, graph, sync_now, in_sync
):
    old = in_sync(name="order_update")
    graph.templates[synced_account.waba_id] = []
    sync_now(synced_account)  # Meta deleted it
    graph.templates[synced_account.waba_id] = [
        graph_template(
            meta_template_id="9300000000000001",
            name="order_update",
            language="en_US",
            status="APPROVED",
            category="UTILITY",
        )
    ]

    run = sync_now(synced_account)

    old.refresh_from_db()
    assert run.templates_created == 1, run.errors
    assert old.deleted_at is not None
    live = WhatsAppTemplate.objects.get(name="order_update", deleted_at__isnull=True)
    assert (live.meta_template_id, live.status) == ("9300000000000001", "APPROVED")


def test_rate_limit_waits_as_long_as_the_business_use_case_header_says(
    synced_account, graph, sync_now
):
    from templates_app.meta.graph import error_body

    usage = '{"%s": [{"type": "whatsapp_bm", "estimated_time_to_regain_access": 2}]}'
    graph.fail_next(
        Answer(
            400,
            error_body(message="(#4) Application request limit reached", code=4),
            headers={"x-business-use-case-usage": usage % synced_account.waba_id},
        )
    )

    run = sync_now(synced_account)

    assert run.status == SyncRun.Status.FAILED
    assert "wait 120 s" in run.errors[0]
    assert len(graph.requests) == 1


def test_rate_limited_sync_is_retried_when_meta_allows_on_a_backend_that_can_wait(
    synced_account, graph, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from templates_app.services.sync import run_sync

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    graph.fail_next(rate_limited(retry_after=600))
    with django_capture_on_commit_callbacks(execute=True):
        first = request_sync(account=synced_account)

    run_sync(run_id=first.pk)  # as the worker would

    retry = SyncRun.objects.get(status=SyncRun.Status.QUEUED)
    assert retry.trigger == SyncRun.Trigger.RETRY
    task = DBTaskResult.objects.get(args_kwargs__args=[retry.pk])
    assert task.run_after >= timezone.now() + timedelta(seconds=590)
