"""GET /healthz: for load balancers and container health checks, whatever Host they send."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.django_db


def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_needs_no_login_and_ignores_an_unlisted_host(client, settings):
    settings.ALLOWED_HOSTS = ["pytake.example.com"]

    health = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")
    other = client.get("/api/v1/campaigns/", HTTP_HOST="10.1.2.3:8000")

    assert health.status_code == 200
    assert other.status_code == 400  # the host check still guards everything else


def test_healthz_refuses_writes(client):
    response = client.post("/healthz")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


CALL_HEALTHZ = """
import json
import django
django.setup()
from django.test import Client
response = Client().get("/healthz", HTTP_HOST="internal-name")
print(json.dumps({"status": response.status_code, "body": response.json()}))
"""


def test_healthz_answers_503_when_the_database_is_unreachable():
    # A real, refused connection: nothing listens on port 1.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pytake.settings",
        "DATABASE_URL": "postgres://pytake@127.0.0.1:1/pytake",
        "LOG_LEVEL": "CRITICAL",
    }
    result = subprocess.run(
        [sys.executable, "-c", CALL_HEALTHZ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer == {
        "status": 503,
        "body": {"status": "unavailable", "database": "unreachable"},
    }
