"""Two server processes sharing Redis: a change made through one reaches a socket on the other."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import redis
from django.conf import settings
from websockets.asyncio.client import connect

from templates_app.meta import SIGNATURE_HEADER, encode, quality_update_body, sign
from tests import factories
from tests.organizations.conftest import token_for
from tests.servers import asgi_server, server_env
from tests.webhooks import TEST_APP_SECRET, WEBHOOK_URL

pytestmark = [
    # The servers are other processes: they share the test's database only on PostgreSQL.
    pytest.mark.postgres,
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("webhook_settings"),
]

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
IDLE_SECONDS = 6  # channels-redis reads with a 5 s blocking timeout


async def _nothing_for(socket, *, seconds: float) -> bool:
    """True when the socket stayed open and silent for `seconds`."""
    try:
        await asyncio.wait_for(socket.recv(), timeout=seconds)
    except TimeoutError:
        return True
    return False


@pytest.fixture
def redis_url() -> str:
    """REDIS_URL (or a local Redis); without a Redis to reach, the test says so and skips."""
    url = settings.REDIS_URL or DEFAULT_REDIS_URL
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        pytest.skip(f"No Redis at {url} ({error}): the cross-process test needs one.")
    return url


@pytest.fixture
def template():
    return factories.WhatsAppTemplateFactory(name="order_update")


@pytest.fixture
def member_token(template) -> str:
    return token_for(factories.UserFactory(organization=template.organization))


async def test_socket_on_one_server_hears_a_webhook_posted_to_another(
    redis_url, template, member_token
):
    env = server_env(REDIS_URL=redis_url)
    body = encode(
        quality_update_body(
            waba_id=template.business_account.waba_id,
            new_quality="RED",
            previous_quality="GREEN",
            template_id=template.meta_template_id,
            name=template.name,
            occurred_at=1_795_000_000,
        )
    )
    with asgi_server(env) as first, asgi_server(env) as second:
        async with connect(
            f"ws://{first}/ws/updates/?token={member_token}",
            additional_headers={"Origin": f"http://{first}"},
        ) as socket:
            hello = json.loads(await socket.recv())
            # Idle for longer than one blocking read of the Redis layer: the socket must survive.
            assert await _nothing_for(socket, seconds=IDLE_SECONDS)
            async with httpx.AsyncClient(base_url=f"http://{second}") as http:
                response = await http.post(
                    WEBHOOK_URL,
                    content=body,
                    headers={
                        "Content-Type": "application/json",
                        SIGNATURE_HEADER: sign(body, app_secret=TEST_APP_SECRET),
                    },
                )
            # Within a second of the POST, as a person watching the dashboard expects.
            message = json.loads(await asyncio.wait_for(socket.recv(), timeout=1))

    assert hello["organization_id"] == str(template.organization_id)
    assert response.status_code == 200, response.text
    assert message["type"] == "template.quality_changed"
    assert (message["template_id"], message["quality_score"]) == (str(template.pk), "RED")
