"""`make run` prints where to go once the server answers, not before."""

from __future__ import annotations

import socket

import pytest
from django.core.management import CommandError, call_command
from pytest_httpserver import HTTPServer

pytestmark = pytest.mark.django_db


def test_banner_lists_dashboard_admin_docs_webhook_logins_and_the_demo_number(
    httpserver: HTTPServer, capsys
):
    call_command("load_demo_data")
    httpserver.expect_request("/admin/login/").respond_with_data("login page")
    url = httpserver.url_for("/")

    call_command("announce_server", url=url)

    out = capsys.readouterr().out
    base = url.rstrip("/")
    assert f"Dashboard: {base}/dashboard/   (log in as admin / admin)" in out
    assert f"Admin:     {base}/admin/" in out
    assert f"API docs:  {base}/api/docs/" in out
    assert f"Webhook:   {base}/api/v1/whatsapp/webhook" in out
    assert "/api/v1/whatsapp/" in out.split("Demo number")[1]


def test_banner_waits_for_the_server_and_says_so_when_nothing_answers():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]

    with pytest.raises(CommandError, match="Nothing answered"):
        call_command("announce_server", url=f"http://127.0.0.1:{closed_port}/", timeout=0.5)


def test_demo_output_names_the_number_id_for_api_urls(capsys):
    call_command("load_demo_data")

    out = capsys.readouterr().out
    assert "is the {number_id} of /api/v1/whatsapp/{number_id}/templates/" in out
