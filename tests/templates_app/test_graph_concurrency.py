"""A sync's requests to Meta run several at once, never more than the setting allows, fewer when
Meta's usage headers say a limit is near, and leave the same rows as one request at a time.

The stand-in is served by a threaded local HTTP server (the demo's), so requests really overlap,
and it counts how many it is answering at once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from templates_app.graph_client import GraphClient, GraphError
from templates_app.graph_stand_in import Answer, GraphStandIn
from templates_app.management.commands.fake_graph_api import make_server
from templates_app.meta.graph import error_body, graph_template
from templates_app.models import BusinessAccount, SyncRun, WhatsAppTemplate
from templates_app.services.accounts import store_access_token
from templates_app.services.sync import run_sync
from tests import factories
from tests.graph import GRAPH_TOKEN, GRAPH_VERSION

pytestmark = pytest.mark.django_db

# Meta's latency: long enough that requests asked together are answered together.
LATENCY = 0.05


@pytest.fixture
def graph(settings) -> Iterator[GraphStandIn]:
    stand_in = GraphStandIn(access_token=GRAPH_TOKEN, delay=LATENCY)
    server = make_server("127.0.0.1", 0, stand_in, lambda: stand_in.templates)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.GRAPH_API_BASE_URL = stand_in.base_url
    settings.GRAPH_API_VERSION = GRAPH_VERSION
    settings.GRAPH_API_BACKOFF_SECONDS = 0.01
    settings.GRAPH_API_PAGE_SIZE = 25
    yield stand_in
    server.shutdown()
    server.server_close()


def listing(count: int, *, first_id: int) -> list[dict]:
    return [
        graph_template(
            meta_template_id=str(first_id + n),
            name=f"listed_{n:03d}",
            language="en_US",
            status="APPROVED",
            category="UTILITY",
        )
        for n in range(count)
    ]


def account_listed(graph: GraphStandIn, organization, templates: list[dict]) -> BusinessAccount:
    """An account with a working token whose WABA lists `templates`, each sending 7 a day."""
    account = factories.BusinessAccountFactory(organization=organization)
    store_access_token(account=account, access_token=GRAPH_TOKEN)
    factories.PhoneNumberFactory(business_account=account)
    graph.templates[account.waba_id] = templates
    for item in templates:
        graph.daily_counts[item["id"]] = [(3, 7, 6, 2)]
    return account


def sync(account: BusinessAccount) -> SyncRun:
    run = SyncRun.objects.create(business_account=account)
    return run_sync(run_id=run.pk)


def test_requests_in_flight_never_exceed_the_setting(graph, organization, settings):
    settings.GRAPH_MAX_CONCURRENT_REQUESTS = 3
    account = account_listed(graph, organization, listing(100, first_id=9100000000000000))

    run = sync(account)

    # 4 listing pages, then 10 analytics requests of 10 templates, then the health of the
    # account and of its one number.
    assert run.status == SyncRun.Status.SUCCEEDED, run.errors
    assert len(graph.requests) == 16
    assert graph.most_in_flight == 3
    assert WhatsAppTemplate.objects.filter(business_account=account, sent_count=7).count() == 100


def test_high_usage_in_meta_headers_sends_requests_one_at_a_time(graph, organization, settings):
    settings.GRAPH_MAX_CONCURRENT_REQUESTS = 4
    graph.usage = 80  # percent of Meta's call, CPU and time limits
    account = account_listed(graph, organization, listing(100, first_id=9200000000000000))

    run = sync(account)

    assert run.status == SyncRun.Status.SUCCEEDED, run.errors
    assert len(graph.requests) == 16
    assert graph.most_in_flight == 1


def test_usage_at_half_the_limit_halves_the_requests_in_flight(graph, organization, settings):
    settings.GRAPH_MAX_CONCURRENT_REQUESTS = 4
    graph.usage = 60
    account = account_listed(graph, organization, listing(100, first_id=9250000000000000))

    run = sync(account)

    assert run.status == SyncRun.Status.SUCCEEDED, run.errors
    assert graph.most_in_flight == 2


def test_usage_near_the_limit_waits_before_each_request(graph):
    graph.usage = 95
    graph.templates["102290129340398"] = []
    waits: list[float] = []
    now = timezone.now()

    with GraphClient(access_token=GRAPH_TOKEN, backoff=0.25, sleep=waits.append) as client:
        client.waba_id_seen("102290129340398")
        assert waits == []
        client.template_analytics(
            "102290129340398",
            template_ids=[str(9300000000000000 + n) for n in range(30)],
            start=now - timedelta(days=30),
            end=now,
        )

    # The first answer told the client the usage: each of the three requests after it waits.
    assert len(graph.requests) == 4
    assert waits == [0.25, 0.25, 0.25]


def rows(account: BusinessAccount) -> list[tuple]:
    return list(
        WhatsAppTemplate.objects.filter(business_account=account)
        .order_by("name")
        .values_list(
            "name",
            "status",
            "quality_score",
            "category",
            "components",
            "sent_count",
            "delivered_count",
            "read_count",
            "failed_count",
            "deleted_at",
        )
    )


def test_concurrent_sync_leaves_the_same_rows_as_one_request_at_a_time(
    graph, organization, settings
):
    def account_with_news(first_id: int) -> BusinessAccount:
        """40 templates we hold, of which Meta paused 5 and dropped 3, and 12 we lack."""
        templates = listing(52, first_id=first_id)
        account = account_listed(graph, organization, [])
        number = account.phone_numbers.get()
        for item in templates[:40]:
            factories.WhatsAppTemplateFactory(
                phone_number=number, meta_template_id=item["id"], name=item["name"]
            )
        for item in templates[:5]:
            item["status"] = "PAUSED"
        listed = templates[3:]
        graph.templates[account.waba_id] = listed
        for n, item in enumerate(listed):
            graph.daily_counts[item["id"]] = [(n % 4, n, n // 2, n // 3)]
        return account

    sequential, concurrent = (
        account_with_news(9400000000000000),
        account_with_news(9500000000000000),
    )

    settings.GRAPH_MAX_CONCURRENT_REQUESTS = 1
    first = sync(sequential)
    assert graph.most_in_flight == 1
    settings.GRAPH_MAX_CONCURRENT_REQUESTS = 8
    second = sync(concurrent)
    assert graph.most_in_flight > 1

    assert (first.status, first.changes_applied, first.templates_created) == (
        SyncRun.Status.SUCCEEDED,
        second.changes_applied,
        second.templates_created,
    )
    assert second.status == SyncRun.Status.SUCCEEDED
    assert rows(sequential) == rows(concurrent)
    assert len(rows(concurrent)) == 52


def test_a_failed_analytics_request_fails_the_sync_and_writes_no_counts(
    graph, organization, settings
):
    settings.GRAPH_MAX_CONCURRENT_REQUESTS = 4
    templates = listing(60, first_id=9600000000000000)
    templates[0]["status"] = "PAUSED"
    account = account_listed(graph, organization, templates)
    # The one listing page is served; one of the six analytics requests is refused.
    graph.fail_next(
        Answer(0),
        Answer(
            400,
            error_body(message="(#100) Invalid parameter", code=100, type="OAuthException"),
        ),
    )
    settings.GRAPH_API_PAGE_SIZE = 100

    run = sync(account)

    assert run.status == SyncRun.Status.FAILED
    assert run.errors == [
        "Meta's Graph API failed: (#100) Invalid parameter (HTTP 400, code 100, trace "
        "AbCdEfGhIjKlMnOp). The next sync retries."
    ]
    # The listing's news stays applied; no count is written from a partial answer.
    assert run.templates_created == 60
    assert WhatsAppTemplate.objects.get(meta_template_id=templates[0]["id"]).status == "PAUSED"
    assert not WhatsAppTemplate.objects.filter(business_account=account, sent_count__gt=0)


def test_a_client_error_in_one_analytics_batch_is_raised_by_template_analytics(graph):
    graph.templates["102290129340398"] = []
    graph.fail_next(
        Answer(400, error_body(message="(#100) Invalid parameter", code=100)),
    )
    now = timezone.now()

    with (
        GraphClient(access_token=GRAPH_TOKEN, max_concurrent=4) as client,
        pytest.raises(GraphError, match="Invalid parameter"),
    ):
        client.template_analytics(
            "102290129340398",
            template_ids=[str(9700000000000000 + n) for n in range(40)],
            start=now - timedelta(days=30),
            end=now,
        )
