"""With the production task backend the webhook only enqueues: a worker sends, and retries later."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django_tasks_db.models import DBTaskResult

from alerts.models import NotificationDelivery
from templates_app.meta import combine, encode
from tests import factories
from tests.alerts.conftest import T0, status_body
from tests.webhooks import signed_post, template_status_body

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("webhook_settings"),
]


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker() -> None:
    call_command("db_worker", batch=True, no_startup_delay=True, stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_a_hanging_channel_is_not_called_inside_the_webhook(
    database_tasks, settings, organization, template, httpserver
):
    settings.NOTIFY_TIMEOUT_SECONDS = 0.3
    httpserver.expect_request("/slack").respond_with_data("ok", status=500)
    factories.NotificationChannelFactory(
        organization=organization, slack=True, url=httpserver.url_for("/slack")
    )

    response = signed_post(Client(), status_body(template, "DISABLED"))

    assert response.status_code == 200
    assert httpserver.log == []  # nothing left the process during the request
    assert DBTaskResult.objects.filter(task_path="alerts.tasks.notify_alerts").count() == 1

    run_worker()

    delivery = NotificationDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("retrying", 1)
    assert len(httpserver.log) == 1
    retry = DBTaskResult.objects.get(task_path="alerts.tasks.send_delivery", status="READY")
    assert retry.run_after == delivery.next_attempt_at

    # Due in a minute: the worker runs it then, not before.
    run_worker()
    assert len(httpserver.log) == 1
    httpserver.clear()
    httpserver.expect_request("/slack").respond_with_data("ok")
    with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1)):
        run_worker()

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)


def test_the_alerts_of_one_delivery_share_one_task_and_are_each_notified(
    database_tasks, organization, phone_number, httpserver
):
    httpserver.expect_request("/slack").respond_with_data("ok")
    factories.NotificationChannelFactory(
        organization=organization, slack=True, url=httpserver.url_for("/slack")
    )
    templates = factories.WhatsAppTemplateFactory.create_batch(3, phone_number=phone_number)
    body = combine(*(template_status_body(t, "DISABLED", occurred_at=T0) for t in templates))

    assert signed_post(Client(), encode(body)).status_code == 200
    assert DBTaskResult.objects.filter(task_path="alerts.tasks.notify_alerts").count() == 1

    run_worker()

    assert NotificationDelivery.objects.filter(status="sent").count() == 3
    assert len(httpserver.log) == 3
