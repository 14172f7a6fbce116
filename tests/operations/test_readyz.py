"""GET /readyz: 200 when this process should take traffic, else 503 naming what failed."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from templates_app.models import WebhookDelivery
from tests.servers import PROJECT_DIR

pytestmark = pytest.mark.django_db

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def waiting_delivery(*, received_seconds_ago: float) -> WebhookDelivery:
    body = f'{{"waited": {received_seconds_ago}}}'.encode()
    delivery = WebhookDelivery.objects.create(
        body=body, body_sha256=hashlib.sha256(body).hexdigest()
    )
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        received_at=timezone.now() - timedelta(seconds=received_seconds_ago)
    )
    return delivery


def test_ready_when_everything_answers_whatever_the_host(client, settings):
    settings.ALLOWED_HOSTS = ["pytake.example.com"]
    expected = {"database": "ok", "migrations": "ok", "backlog": "ok"}
    if settings.REDIS_URL:
        expected["redis"] = "ok"

    response = client.get("/readyz", HTTP_HOST="10.1.2.3:8000")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": expected}


def test_readyz_refuses_writes(client):
    response = client.post("/readyz")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


def test_a_delivery_waiting_longer_than_allowed_makes_it_unready(client, settings):
    settings.READY_MAX_BACKLOG_SECONDS = 300
    waiting_delivery(received_seconds_ago=200)
    assert client.get("/readyz").status_code == 200

    waiting_delivery(received_seconds_ago=400)
    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failed"] == ["backlog"]
    assert body["detail"] == "Not ready: backlog."
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["backlog"].startswith("The oldest delivery waiting to be applied was")
    assert "more than 300" in body["checks"]["backlog"]


def test_a_failed_delivery_is_not_a_backlog(client, settings):
    settings.READY_MAX_BACKLOG_SECONDS = 300
    delivery = waiting_delivery(received_seconds_ago=4000)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed")

    assert client.get("/readyz").status_code == 200


def test_redis_that_does_not_answer_makes_it_unready(client, settings):
    settings.REDIS_URL = CLOSED_PORT_REDIS

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["redis"]
    assert body["checks"]["redis"].startswith("Redis does not answer")
    assert body["checks"]["database"] == "ok"


CALL_READYZ = """
import json
import django
django.setup()
from django.test import Client
response = Client().get("/readyz", HTTP_HOST="internal-name")
print(json.dumps({"status": response.status_code, "body": response.json()}))
"""


def readyz_in_a_process(**env: str) -> dict:
    """GET /readyz in a fresh process with `env` (its own database, say)."""
    result = subprocess.run(
        [sys.executable, "-c", CALL_READYZ],
        cwd=PROJECT_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "pytake.settings",
            "LOG_LEVEL": "CRITICAL",
            "REDIS_URL": "",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_database_that_does_not_answer_makes_it_unready():
    answer = readyz_in_a_process(DATABASE_URL="postgres://pytake@127.0.0.1:1/pytake")

    assert answer["status"] == 503
    assert answer["body"]["failed"] == ["database"]
    assert answer["body"]["checks"] == {"database": "The database does not answer."}


def test_unapplied_migrations_make_it_unready(tmp_path):
    answer = readyz_in_a_process(DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}")

    assert answer["status"] == 503
    body = answer["body"]
    assert body["failed"] == ["migrations"]
    assert body["checks"]["database"] == "ok"
    assert "not applied" in body["checks"]["migrations"]
    assert body["checks"]["migrations"].endswith("run migrate.")


def test_a_configured_redis_that_answers_is_checked(tmp_path):
    """With REDIS_URL set and Redis up, readiness says so (skipped checks never pass silently)."""
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        pytest.skip(f"No Redis at {url} ({error})")
    answer = readyz_in_a_process(
        DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}", REDIS_URL=url
    )

    assert answer["body"]["checks"]["redis"] == "ok"
