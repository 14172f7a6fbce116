"""GET /metrics: guarded by METRICS_TOKEN, and its figures move with what PyTake does.

Figures read from the database are absolute (each test starts with an empty one); figures kept
in process memory are compared before and after, since the process outlives one test.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.utils import timezone

from alerts.models import NotificationDelivery
from scheduling import services as scheduling
from scheduling.jobs import ScheduledJob
from templates_app.graph_stand_in import token_expired
from templates_app.models import SyncRun, WebhookDelivery
from templates_app.services.sync import request_sync
from tests import factories
from tests.alerts.conftest import T0, status_body
from tests.operations.conftest import METRICS_TOKEN, value
from tests.organizations.conftest import token_for
from tests.webhooks import payload_bytes, signed_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhook_settings")]

STATUS_FIELD = "message_template_status_update"


@pytest.fixture
def template(phone_number):
    return factories.WhatsAppTemplateFactory(phone_number=phone_number, name="spring_sale")


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    """POST Meta's signed body; run what waits for the commit, as a real commit would."""

    def post(body):
        with django_capture_on_commit_callbacks(execute=True):
            return signed_post(client, body)

    return post


# --- the token ---------------------------------------------------------------------------------


def test_without_a_configured_token_metrics_do_not_exist(client, settings):
    settings.METRICS_TOKEN = ""

    response = client.get("/metrics", headers={"Authorization": "Bearer anything"})

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_metrics_refuse_a_missing_or_wrong_token_whatever_the_host(client, settings):
    settings.METRICS_TOKEN = METRICS_TOKEN
    settings.ALLOWED_HOSTS = ["pytake.example.com"]

    missing = client.get("/metrics", HTTP_HOST="10.0.0.7:8000")
    wrong = client.get(
        "/metrics", HTTP_HOST="10.0.0.7:8000", headers={"Authorization": "Bearer not-it"}
    )
    scheme = client.get(
        "/metrics", HTTP_HOST="10.0.0.7:8000", headers={"Authorization": f"Token {METRICS_TOKEN}"}
    )
    right = client.get(
        "/metrics", HTTP_HOST="10.0.0.7:8000", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )

    assert missing.status_code == 401
    assert missing["WWW-Authenticate"].startswith("Bearer")
    assert "Bearer" in missing.json()["detail"]
    assert wrong.status_code == 403
    assert wrong.json() == {"detail": "This token may not read the metrics."}
    assert scheme.status_code == 401
    assert right.status_code == 200
    assert b"pytake_webhook_backlog_deliveries" in right.content


# --- webhooks, changes, alerts, notifications ---------------------------------------------------


def test_deliveries_changes_alerts_and_a_failed_notification_are_counted(
    deliver, scrape, organization, template, httpserver, failing_status_reaction
):
    httpserver.expect_request("/hooks").respond_with_data("down", status=500)
    factories.NotificationChannelFactory(
        organization=organization, webhook=True, url=httpserver.url_for("/hooks")
    )
    before = scrape()

    # Refused by a reaction, rolled back and kept as failed; then Meta's next news applies.
    assert deliver(status_body(template, "PAUSED")).status_code == 500
    failing_status_reaction.armed = False
    assert deliver(status_body(template, "DISABLED", occurred_at=T0 + 600)).status_code == 200
    assert deliver(payload_bytes("messages_field_ignored.json")).status_code == 200
    assert deliver(b"this is not json").status_code == 400
    after = scrape()

    deliveries = "pytake_webhook_deliveries"
    assert value(after, deliveries, outcome="processed", field=STATUS_FIELD) == 1
    assert value(after, deliveries, outcome="failed", field=STATUS_FIELD) == 1
    assert value(after, deliveries, outcome="ignored", field="messages") == 1
    assert value(after, deliveries, outcome="rejected", field="none") == 1
    assert sum(v for (name, _), v in after.items() if name == deliveries) == 4
    # The DISABLED applied; the PAUSED was rolled back, so it never counted.
    changes = "pytake_template_changes_applied_total"
    moved = value(after, changes, kind="status", source="meta") - value(
        before, changes, kind="status", source="meta"
    )
    assert moved == 1
    applied = "pytake_webhook_delivery_apply_seconds_count"
    assert value(after, applied) - value(before, applied) == 1
    alert = {"severity": "CRITICAL", "kind": "TEMPLATE_DISABLED", "status": "OPEN"}
    assert value(after, "pytake_alerts_open", **alert) == 1
    assert value(before, "pytake_alerts_open", **alert) == 0
    # The customer's endpoint answered 500: the message waits for its retry.
    assert NotificationDelivery.objects.get().status == "retrying"
    notifications = "pytake_notification_deliveries"
    assert value(after, notifications, channel_kind="webhook", outcome="retrying") == 1
    assert value(before, notifications, channel_kind="webhook", outcome="retrying") == 0


# --- syncs and Meta's Graph API ------------------------------------------------------------------


def test_sync_runs_by_outcome_and_graph_errors_by_meta_code(
    scrape, synced_account, graph, django_capture_on_commit_callbacks
):
    before = scrape()

    with django_capture_on_commit_callbacks(execute=True):
        request_sync(account=synced_account)
    graph.fail_next(token_expired())
    with django_capture_on_commit_callbacks(execute=True):
        request_sync(account=synced_account)
    after = scrape()

    assert sorted(SyncRun.objects.values_list("status", flat=True)) == ["failed", "succeeded"]
    assert value(after, "pytake_sync_runs", outcome="succeeded") == 1
    assert value(after, "pytake_sync_runs", outcome="failed") == 1
    errors = "pytake_graph_api_errors_total"
    assert value(after, errors, code="190") - value(before, errors, code="190") == 1
    assert value(after, errors, code="2") == value(before, errors, code="2")


# --- the scheduler's jobs ------------------------------------------------------------------------


def test_a_failing_scheduled_job_is_counted_apart_from_one_that_succeeds(scrape):
    def fail() -> str:
        raise RuntimeError("the job broke")

    fired_at = timezone.now()
    jobs = [
        ScheduledJob(name="works", run=lambda: "done", cron={"minute": "*"}, description="Works."),
        ScheduledJob(name="breaks", run=fail, cron={"minute": "*"}, description="Breaks."),
    ]

    for job in jobs:
        scheduling.run_job(job=job, fired_at=fired_at)
    after = scrape()

    runs = "pytake_scheduled_job_runs"
    assert value(after, runs, job="works", outcome="succeeded") == 1
    assert value(after, runs, job="breaks", outcome="failed") == 1
    assert value(after, runs, job="breaks", outcome="succeeded") == 0


# --- logins refused by the throttle --------------------------------------------------------------


def test_a_login_refused_by_the_throttle_is_counted(client, scrape, member, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_USERNAME = 2
    wrong = {"username": member.username, "password": "not-the-password"}
    before = scrape()

    answers = [client.post("/api/v1/auth/token", wrong).status_code for _ in range(4)]
    after = scrape()

    assert answers == [400, 400, 429, 429]
    throttled = "pytake_logins_throttled_total"
    assert value(after, throttled) - value(before, throttled) == 2


# --- the async backlog ---------------------------------------------------------------------------


def test_the_backlog_counts_received_deliveries_and_the_age_of_the_oldest(scrape):
    assert value(scrape(), "pytake_webhook_backlog_deliveries") == 0
    assert value(scrape(), "pytake_webhook_backlog_oldest_age_seconds") == 0
    old, _newer = (
        WebhookDelivery.objects.create(body=b"{}", body_sha256=str(n) * 64) for n in (1, 2)
    )
    WebhookDelivery.objects.filter(pk=old.pk).update(
        received_at=timezone.now() - timedelta(minutes=10)
    )
    WebhookDelivery.objects.create(body=b"{}", body_sha256="3" * 64, status="processed")

    samples = scrape()

    assert value(samples, "pytake_webhook_backlog_deliveries") == 2
    assert 600 <= value(samples, "pytake_webhook_backlog_oldest_age_seconds") < 660


# --- live WebSocket connections ------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_live_connections_count_open_sockets(member, settings):
    from prometheus_client import REGISTRY

    from pytake.asgi import application

    def live() -> float:
        return REGISTRY.get_sample_value("pytake_live_connections")

    key = await sync_to_async(token_for)(member)
    start = live()
    sockets = [
        WebsocketCommunicator(
            application,
            "/ws/updates/",
            headers=[(b"origin", b"http://testserver")],
            subprotocols=[key],
        )
        for _ in range(2)
    ]
    try:
        for socket in sockets:
            connected, _ = await socket.connect()
            assert connected
            assert (await socket.receive_json_from())["type"] == "hello"
        assert live() - start == 2
        await sockets[0].disconnect()
        assert live() - start == 1
    finally:
        await sockets[1].disconnect()
        await sync_to_async(connections.close_all)()
    assert live() == start
