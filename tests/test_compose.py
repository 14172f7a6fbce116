"""docker-compose.yml, read as Compose reads it: the services run commands that exist."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from django.core.management import get_commands

REPO_ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def command_of(service: str) -> str:
    command = SERVICES[service]["command"]
    return command if isinstance(command, str) else " ".join(command)


def test_every_manage_py_command_a_service_runs_exists():
    named = {
        name
        for service in SERVICES
        if "command" in SERVICES[service]
        for name in re.findall(r"manage\.py (\w+)", command_of(service))
    }

    assert named >= {"migrate", "db_worker", "run_scheduler"}
    assert named <= set(get_commands())


def test_one_scheduler_service_runs_the_periodic_jobs_without_a_shell_loop():
    assert command_of("scheduler").endswith('exec python manage.py run_scheduler"')
    for service in SERVICES:
        if "command" in SERVICES[service]:
            assert "while true" not in command_of(service)
            assert "sleep" not in command_of(service)


def test_tls_in_front_is_an_opt_in_profile_with_the_repositorys_caddyfile():
    caddy = SERVICES["caddy"]

    assert caddy["profiles"] == ["caddy"]
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in caddy["volumes"]
    assert "reverse_proxy web:8000" in (REPO_ROOT / "Caddyfile").read_text()
    assert all("profiles" not in SERVICES[name] for name in SERVICES if name != "caddy")


def test_production_logs_are_json_by_default():
    assert COMPOSE["x-app-env"]["LOG_FORMAT"] == "${LOG_FORMAT:-json}"
