"""Static files, served by WhiteNoise from the first middleware layers, under ASGI and WSGI."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync

STATIC_FILE = "/static/admin/css/base.css"

pytestmark = pytest.mark.django_db


def test_a_static_file_is_served_under_asgi(async_client):
    response = async_to_sync(async_client.get)(STATIC_FILE)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert int(response["Content-Length"]) > 0


def test_a_static_file_is_served_under_wsgi(client):
    response = client.get(STATIC_FILE)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")


def test_pages_and_healthz_still_pass_through_under_asgi(async_client):
    health = async_to_sync(async_client.get)("/healthz")
    missing = async_to_sync(async_client.get)("/static/no-such-file.css")

    assert health.status_code == 200
    assert health.json() == {"status": "ok", "database": "ok"}
    assert missing.status_code == 404
