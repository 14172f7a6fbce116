"""The ws/updates/ socket: who may connect, to which organization, and what it answers."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.core.management import call_command
from django.utils import timezone

from live.models import LiveMessage
from tests import factories
from tests.organizations.conftest import (
    UPDATES_PATH,
    closed_with,
    connect_as,
    session_cookie,
    token_for,
)

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def member():
    return factories.UserFactory()


async def test_logged_in_session_joins_its_organization(live, member):
    cookie = await sync_to_async(session_cookie)(member)
    socket = live(headers=[cookie])

    connected, subprotocol = await socket.connect()

    assert (connected, subprotocol) == (True, None)
    hello = await socket.receive_json_from()
    assert hello["type"] == "hello"
    assert hello["organization_id"] == str(member.organization_id)
    assert hello["last_id"] == 0
    assert hello["server_time"]


async def test_token_in_the_query_string_authenticates(live, member):
    token = await sync_to_async(token_for)(member)
    socket = live(f"{UPDATES_PATH}?token={token}")

    connected, _ = await socket.connect()

    assert connected
    hello = await socket.receive_json_from()
    assert hello["organization_id"] == str(member.organization_id)


async def test_token_offered_as_subprotocol_is_accepted_and_echoed(live, member):
    token = await sync_to_async(token_for)(member)
    socket = live(subprotocols=["pytake.live", token])

    connected, subprotocol = await socket.connect()

    assert (connected, subprotocol) == (True, token)
    assert (await socket.receive_json_from())["organization_id"] == str(member.organization_id)


async def test_hello_names_the_latest_message_of_the_organization(live, member):
    latest = await sync_to_async(factories.LiveMessageFactory)(organization=member.organization)
    await sync_to_async(factories.LiveMessageFactory)()  # another organization's, later

    _, hello = await connect_as(live, member)

    assert hello["last_id"] == latest.pk


@pytest.mark.parametrize(
    ("path", "subprotocols"),
    [
        (UPDATES_PATH, None),
        (f"{UPDATES_PATH}?token=not-a-token", None),
        (UPDATES_PATH, ["not-a-token"]),
    ],
    ids=["no credentials", "unknown token in query", "unknown token as subprotocol"],
)
async def test_anyone_unauthenticated_is_closed_with_4401(live, path, subprotocols):
    assert await closed_with(live(path, subprotocols=subprotocols)) == 4401


async def test_token_of_a_deactivated_user_is_closed_with_4401(live, member):
    token = await sync_to_async(token_for)(member)
    member.is_active = False
    await sync_to_async(member.save)()

    assert await closed_with(live(f"{UPDATES_PATH}?token={token}")) == 4401


async def test_member_asking_for_another_organization_is_closed_with_4403(live, member):
    other = await sync_to_async(factories.OrganizationFactory)()
    token = await sync_to_async(token_for)(member)

    code = await closed_with(live(f"{UPDATES_PATH}?token={token}&organization={other.pk}"))

    assert code == 4403


async def test_super_admin_follows_the_organization_they_name(live):
    super_admin = await sync_to_async(factories.SuperAdminFactory)()
    organization = await sync_to_async(factories.OrganizationFactory)()

    _, hello = await connect_as(live, super_admin, f"organization={organization.pk}")

    assert hello["organization_id"] == str(organization.pk)


@pytest.mark.parametrize("query", ["", "organization=not-a-uuid"])
async def test_super_admin_without_an_organization_to_follow_is_closed_with_4403(live, query):
    super_admin = await sync_to_async(factories.SuperAdminFactory)()
    token = await sync_to_async(token_for)(super_admin)

    assert await closed_with(live(f"{UPDATES_PATH}?token={token}&{query}")) == 4403


async def test_ping_is_answered_with_pong(live, member):
    socket, _ = await connect_as(live, member)

    await socket.send_json_to({"type": "ping"})

    assert await socket.receive_json_from() == {"type": "pong"}


@pytest.mark.parametrize(
    "frame",
    [
        "this is not JSON",
        '{"type": "subscribe"}',
        '["ping"]',
        '{"type": "resume", "since": "yesterday"}',
        '{"type": "resume", "since": -1}',
    ],
)
async def test_malformed_frame_gets_an_error_and_the_socket_stays_open(live, member, frame):
    socket, _ = await connect_as(live, member)

    await socket.send_to(text_data=frame)

    error = await socket.receive_json_from()
    assert error["type"] == "error"
    assert error["detail"]
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from() == {"type": "pong"}


async def test_a_frame_nested_deeper_than_the_limit_closes_the_socket_with_1007(live, member):
    socket, _ = await connect_as(live, member)

    await socket.send_to(text_data="[" * 5000 + "]" * 5000)

    assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 1007}


async def test_binary_frame_gets_an_error(live, member):
    socket, _ = await connect_as(live, member)

    await socket.send_to(bytes_data=b"\x00\x01")

    assert (await socket.receive_json_from())["type"] == "error"


async def test_resume_beyond_500_messages_sends_500_then_tells_the_client_to_reload(live, member):
    def make_messages() -> list[int]:
        messages = factories.LiveMessageFactory.create_batch(502, organization=member.organization)
        return [message.pk for message in messages]

    ids = await sync_to_async(make_messages)()
    socket, _ = await connect_as(live, member)

    await socket.send_json_to({"type": "resume", "since": ids[0]})

    replayed = [(await socket.receive_json_from())["id"] for _ in range(500)]
    assert replayed == ids[1:501]
    assert await socket.receive_json_from() == {"type": "resume.truncated"}
    assert await socket.receive_nothing()


async def test_resume_from_a_pruned_message_tells_the_client_to_reload(live, member):
    def prune_all_but_the_latest() -> int:
        old, _ = factories.LiveMessageFactory.create_batch(2, organization=member.organization)
        LiveMessage.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
        call_command("prune_live_messages", "--days", "7", stdout=io.StringIO())
        return old.pk

    pruned_id = await sync_to_async(prune_all_but_the_latest)()
    socket, _ = await connect_as(live, member)

    await socket.send_json_to({"type": "resume", "since": pruned_id})

    assert await socket.receive_json_from() == {"type": "resume.truncated"}
    assert await socket.receive_nothing()
