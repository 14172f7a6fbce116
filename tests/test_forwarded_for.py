"""The real server believes X-Forwarded-For only from the proxies FORWARDED_ALLOW_IPS lists."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.servers import PROJECT_DIR, asgi_server, run_recipe, server_env

TOKEN_URL = "/api/v1/auth/token"
IP_LIMIT = 3


def failed_logins_from_forged_addresses(address: str, count: int) -> list[int]:
    """Statuses of `count` wrong logins, each for a new username and a new forwarded IP."""
    statuses = []
    with httpx.Client(base_url=f"http://{address}") as client:
        for number in range(count):
            response = client.post(
                TOKEN_URL,
                json={"username": f"nobody-{uuid.uuid4().hex}", "password": "wrong"},
                headers={"X-Forwarded-For": f"203.0.113.{number + 1}"},
            )
            statuses.append(response.status_code)
    return statuses


def login_env(**extra: str) -> dict[str, str]:
    # This server's own memory counts the failures, whatever Redis the tests use.
    return server_env(
        REDIS_URL="",
        LOGIN_FAILURE_LIMIT_PER_IP=str(IP_LIMIT),
        LOGIN_FAILURE_LIMIT_PER_USERNAME="100",
        **extra,
    )


@pytest.mark.postgres  # the server, another process, shares the test's database only there
@pytest.mark.django_db(transaction=True)
def test_a_forged_forwarded_for_does_not_change_the_client_ip_the_login_limit_counts():
    with asgi_server(login_env()) as address:
        statuses = failed_logins_from_forged_addresses(address, IP_LIMIT + 1)

    assert statuses == [400] * IP_LIMIT + [429]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_behind_a_listed_proxy_each_forwarded_client_has_its_own_limit():
    with asgi_server(login_env(FORWARDED_ALLOW_IPS="127.0.0.1")) as address:
        statuses = failed_logins_from_forged_addresses(address, IP_LIMIT + 1)

    assert statuses == [400] * (IP_LIMIT + 1)


def served_by(name: str) -> str:
    """The command (or file holding it) each way of serving runs Uvicorn with."""
    if name == "make run":
        return run_recipe()
    return (PROJECT_DIR / name).read_text()


@pytest.mark.parametrize(
    ("name", "variable"),
    [
        ("make run", '"$(FORWARDED_ALLOW_IPS)"'),
        ("Dockerfile", '"$FORWARDED_ALLOW_IPS"'),
        ("docker-compose.yml", '\\"$${FORWARDED_ALLOW_IPS:-}\\"'),
    ],
)
def test_every_way_of_serving_names_the_trusted_proxies_explicitly(name, variable):
    assert f"--forwarded-allow-ips {variable}" in served_by(name)
