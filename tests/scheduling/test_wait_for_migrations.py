"""`wait_for_migrations`: what the worker and the scheduler run before they start in compose."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command

from tests.servers import PROJECT_DIR


@pytest.mark.django_db
def test_a_migrated_database_lets_the_process_start_at_once():
    out = StringIO()

    call_command("wait_for_migrations", "--timeout", "5", stdout=out)

    assert "Every migration is applied." in out.getvalue()


def test_a_database_that_does_not_answer_is_given_up_on_after_the_timeout():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    environment = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/none"}

    result = subprocess.run(
        [sys.executable, "manage.py", "wait_for_migrations", "--timeout", "1", "--interval", "0.2"],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "Gave up after 1 s: the database does not answer (OperationalError)." in result.stderr
