"""Settings come from the environment only: each case starts a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

# Every variable pytake/settings.py reads; a case sets only the ones it is about.
SETTINGS_VARIABLES = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "CONN_MAX_AGE",
    "DATABASE_POOL",
    "REDIS_URL",
    "TASKS_BACKEND",
    "EMAIL_URL",
    "DEFAULT_FROM_EMAIL",
    "WHATSAPP_WEBHOOK_VERIFY_TOKEN",
    "WHATSAPP_WEBHOOK_APP_SECRET",
    "WHATSAPP_WEBHOOK_MAX_BODY_BYTES",
    "MAX_REQUEST_BODY_BYTES",
    "LOGIN_FAILURE_LIMIT_PER_USERNAME",
    "LOGIN_FAILURE_LIMIT_PER_IP",
    "LOGIN_FAILURE_WINDOW_SECONDS",
    "LOGIN_MAX_CONCURRENT_HASHES",
    "LOGIN_HASH_WAIT_SECONDS",
    "TOKEN_TTL",
    "LOG_LEVEL",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "WEB_CONCURRENCY",
    "FIELD_ENCRYPTION_KEY",
    "PUBLIC_BASE_URL",
    "LOG_FORMAT",
)

PRINT_SETTINGS = """
import json
import django
django.setup()
from django.conf import settings
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "SECRET_KEY": settings.SECRET_KEY,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "DB_ENGINE": settings.DATABASES["default"]["ENGINE"],
    "DB_NAME": str(settings.DATABASES["default"]["NAME"]),
    "DB_HOST": settings.DATABASES["default"].get("HOST", ""),
    "DB_POOL": settings.DATABASES["default"].get("OPTIONS", {}).get("pool", False),
    "CONN_MAX_AGE": settings.DATABASES["default"]["CONN_MAX_AGE"],
    "CHANNEL_BACKEND": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "CHANNEL_CONFIG": settings.CHANNEL_LAYERS["default"].get("CONFIG"),
    "CACHE_BACKEND": settings.CACHES["default"]["BACKEND"],
    "CACHE_LOCATION": settings.CACHES["default"].get("LOCATION"),
    "TASKS_BACKEND": settings.TASKS["default"]["BACKEND"],
    "EMAIL_BACKEND": settings.EMAIL_BACKEND,
    "EMAIL_HOST": settings.EMAIL_HOST,
    "STATICFILES_BACKEND": settings.STORAGES["staticfiles"]["BACKEND"],
}))
"""


def _environment(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env["DJANGO_SETTINGS_MODULE"] = "pytake.settings"
    env.update(overrides)
    return env


def _run(code: str, **overrides: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=_environment(**overrides),
        capture_output=True,
        text=True,
        timeout=60,
    )


def _settings(**overrides: str) -> dict:
    result = _run(PRINT_SETTINGS, **overrides)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_no_environment_runs_on_the_embedded_default():
    settings = _settings()

    assert settings["DEBUG"] is True
    assert settings["DB_ENGINE"] == "django.db.backends.sqlite3"
    assert settings["DB_NAME"] == str(REPO_ROOT / "db.sqlite3")
    assert settings["CHANNEL_BACKEND"] == "channels.layers.InMemoryChannelLayer"
    assert settings["TASKS_BACKEND"] == "django_tasks.backends.immediate.ImmediateBackend"
    assert settings["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert settings["CACHE_BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_database_url_selects_postgresql():
    settings = _settings(DATABASE_URL="postgres://pytake:secret@db.example:5432/pytake")

    assert settings["DB_ENGINE"] == "django.db.backends.postgresql"
    assert settings["DB_NAME"] == "pytake"
    assert settings["DB_HOST"] == "db.example"


def test_database_pool_is_off_unless_asked_for():
    settings = _settings(DATABASE_URL="postgres://pytake:secret@db.example:5432/pytake")

    assert settings["DB_POOL"] is False


def test_database_pool_pools_postgresql_connections_instead_of_keeping_them():
    settings = _settings(
        DATABASE_URL="postgres://pytake:secret@db.example:5432/pytake",
        DATABASE_POOL="true",
        CONN_MAX_AGE="60",
    )

    # Room for every request a process serves at once: psycopg's own default is 4.
    assert settings["DB_POOL"] == {"min_size": 2, "max_size": 20, "timeout": 10.0}
    assert settings["CONN_MAX_AGE"] == 0  # Django refuses a pool with persistent connections


def test_database_pool_size_is_the_operators_to_set():
    settings = _settings(
        DATABASE_URL="postgres://pytake:secret@db.example:5432/pytake",
        DATABASE_POOL="true",
        DATABASE_POOL_MIN_SIZE="4",
        DATABASE_POOL_MAX_SIZE="50",
        DATABASE_POOL_TIMEOUT_SECONDS="2.5",
    )

    assert settings["DB_POOL"] == {"min_size": 4, "max_size": 50, "timeout": 2.5}


def test_database_pool_is_never_on_for_sqlite():
    settings = _settings(DATABASE_POOL="true")

    assert settings["DB_ENGINE"] == "django.db.backends.sqlite3"
    assert settings["DB_POOL"] is False


def test_redis_url_selects_the_redis_channel_layer():
    settings = _settings(REDIS_URL="redis://redis.example:6379/0")

    # Pub/sub: one PUBLISH per group message, fanned out in each process (see settings).
    assert settings["CHANNEL_BACKEND"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    [host] = settings["CHANNEL_CONFIG"]["hosts"]
    assert host["address"] == "redis://redis.example:6379/0"
    # Longer than the layer's 5 s blocking read, or idle sockets are closed (see settings).
    assert host["socket_timeout"] > 5
    assert settings["CACHE_BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert settings["CACHE_LOCATION"] == "redis://redis.example:6379/0"


def test_tasks_backend_switches_to_the_database_backend():
    settings = _settings(TASKS_BACKEND="django_tasks_db.DatabaseBackend")

    assert settings["TASKS_BACKEND"] == "django_tasks_db.DatabaseBackend"


def test_email_url_selects_smtp():
    settings = _settings(EMAIL_URL="smtp+tls://user:pw@smtp.example.com:587")

    assert settings["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert settings["EMAIL_HOST"] == "smtp.example.com"


FERNET_KEY = "dGVzdC1maWVsZC1lbmNyeXB0aW9uLWtleS0zMmJ5dGU="
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-production-secret",
    "ALLOWED_HOSTS": "pytake.acme.test",
    "FIELD_ENCRYPTION_KEY": FERNET_KEY,
}


def test_production_settings_start_with_debug_off():
    settings = _settings(**PRODUCTION)

    assert settings["DEBUG"] is False
    assert settings["SECRET_KEY"] == "a-long-production-secret"
    assert settings["ALLOWED_HOSTS"] == ["pytake.acme.test"]
    assert (
        settings["STATICFILES_BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )


@pytest.mark.parametrize(
    ("present", "missing"),
    [
        ({}, "SECRET_KEY and ALLOWED_HOSTS"),
        ({"ALLOWED_HOSTS": "pytake.example.com"}, "SECRET_KEY"),
        ({"SECRET_KEY": "a-long-production-secret"}, "ALLOWED_HOSTS"),
    ],
)
def test_debug_off_without_secrets_refuses_to_start_with_one_line(present, missing):
    result = _run(PRINT_SETTINGS, DEBUG="false", **present)

    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith("pytake: DEBUG is off")
    assert missing in lines[0]


def test_several_server_processes_refuse_to_start_without_redis_to_share():
    result = _run(PRINT_SETTINGS, WEB_CONCURRENCY="2")

    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("pytake: WEB_CONCURRENCY above 1 needs REDIS_URL")


def test_several_server_processes_share_redis():
    settings = _settings(WEB_CONCURRENCY="2", REDIS_URL="redis://redis.example:6379/0")

    assert settings["CHANNEL_BACKEND"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert settings["CACHE_BACKEND"] == "django.core.cache.backends.redis.RedisCache"


def test_manage_py_refuses_to_start_with_debug_off_and_no_secret():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO_ROOT,
        env=_environment(DEBUG="false"),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("pytake: DEBUG is off")
    assert "SECRET_KEY" in lines[0]
    assert "ALLOWED_HOSTS" in lines[0]


def _refusal(**overrides: str) -> str:
    """The one line a production start refuses with."""
    result = _run(PRINT_SETTINGS, **{**PRODUCTION, **overrides})
    assert result.returncode != 0, result.stdout
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("pytake: DEBUG is off, but ")
    return lines[0]


def env_example_values() -> dict[str, str]:
    lines = (REPO_ROOT / ".env.example").read_text().splitlines()
    pairs = (line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
    return {name: value for name, value in pairs}


def test_the_placeholder_table_is_env_examples_own():
    from pytake.settings import ENV_EXAMPLE_PLACEHOLDERS, POSTGRES_PASSWORD_PLACEHOLDER

    example = env_example_values()
    assert {name: example[name] for name in ENV_EXAMPLE_PLACEHOLDERS} == ENV_EXAMPLE_PLACEHOLDERS
    assert example["POSTGRES_PASSWORD"] == POSTGRES_PASSWORD_PLACEHOLDER


@pytest.mark.parametrize(
    "name",
    [
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "PUBLIC_BASE_URL",
        "WHATSAPP_WEBHOOK_VERIFY_TOKEN",
        "WHATSAPP_WEBHOOK_APP_SECRET",
        "FIELD_ENCRYPTION_KEY",
        "EMAIL_URL",
    ],
)
def test_a_value_left_at_env_examples_placeholder_refuses_to_start_naming_it(name):
    line = _refusal(**{name: env_example_values()[name]})

    assert f"but {name} still holds .env.example's placeholder" in line


def test_the_example_database_password_refuses_to_start():
    line = _refusal(DATABASE_URL=env_example_values()["DATABASE_URL"])

    assert "POSTGRES_PASSWORD (in DATABASE_URL) still holds" in line


def test_every_placeholder_left_is_named_on_the_one_line():
    example = env_example_values()
    line = _refusal(
        **{name: example[name] for name in ("SECRET_KEY", "WHATSAPP_WEBHOOK_APP_SECRET")}
    )

    assert "SECRET_KEY, WHATSAPP_WEBHOOK_APP_SECRET still hold .env.example's placeholder" in line


@pytest.mark.parametrize("key", ["", "not-a-fernet-key", f"{FERNET_KEY},short"])
def test_a_missing_or_invalid_encryption_key_refuses_to_start(key):
    line = _refusal(FIELD_ENCRYPTION_KEY=key)

    assert "FIELD_ENCRYPTION_KEY must be one or more Fernet keys" in line


def test_two_encryption_keys_during_a_rotation_start():
    new_key = "bmV3LWZpZWxkLWVuY3J5cHRpb24ta2V5LTMyLWJ5dGU="

    assert _settings(**{**PRODUCTION, "FIELD_ENCRYPTION_KEY": f"{new_key},{FERNET_KEY}"})


@pytest.mark.parametrize("hosts", [",", " , "])
def test_allowed_hosts_of_blanks_refuses_to_start(hosts):
    result = _run(PRINT_SETTINGS, **{**PRODUCTION, "ALLOWED_HOSTS": hosts})

    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0
    assert lines == ["pytake: DEBUG is off, so ALLOWED_HOSTS must be set."]


def test_debug_on_never_refuses_a_placeholder():
    settings = _settings(SECRET_KEY=env_example_values()["SECRET_KEY"])

    assert settings["DEBUG"] is True
