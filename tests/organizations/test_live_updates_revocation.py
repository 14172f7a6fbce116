"""An open ws/updates/ socket lives no longer than the credentials it was opened with."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from asgiref.sync import sync_to_async
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from live.broadcast import send_to_groups
from organizations import services
from tests import factories
from tests.organizations.conftest import UPDATES_PATH, connect_as, token_for

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def member():
    return factories.UserFactory()


async def closed_with_code(socket) -> int | None:
    """The code the server closes an open socket with, within a few seconds."""
    output = await socket.receive_output(timeout=5)
    assert output["type"] == "websocket.close", output
    return output.get("code")


async def still_open(socket) -> bool:
    await socket.send_json_to({"type": "ping"})
    return await socket.receive_json_from(timeout=5) == {"type": "pong"}


async def connect_with_token(live, token: str):
    socket = live(f"{UPDATES_PATH}?token={token}")
    connected, _ = await socket.connect()
    assert connected
    assert (await socket.receive_json_from())["type"] == "hello"
    return socket


async def connect_with_session(live, client: Client):
    socket = live(headers=[(b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())])
    connected, _ = await socket.connect()
    assert connected
    assert (await socket.receive_json_from())["type"] == "hello"
    return socket


def logged_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


async def test_logout_closes_the_socket_opened_with_that_token_only(live, member):
    revoked, kept = [await sync_to_async(token_for)(member) for _ in range(2)]
    socket = await connect_with_token(live, revoked)
    other = await connect_with_token(live, kept)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {revoked}")

    response = await sync_to_async(api.post)("/api/v1/auth/logout")

    assert response.status_code == 204
    assert await closed_with_code(socket) == 4401
    assert await still_open(other)


async def test_logout_all_closes_every_token_socket_of_the_user(live, member):
    first, second = [await sync_to_async(token_for)(member) for _ in range(2)]
    sockets = [await connect_with_token(live, first), await connect_with_token(live, second)]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {first}")

    response = await sync_to_async(api.post)("/api/v1/auth/logout-all")

    assert response.status_code == 204
    assert [await closed_with_code(socket) for socket in sockets] == [4401, 4401]


async def test_a_new_password_closes_every_socket_of_the_user(live, member):
    token_socket, _ = await connect_as(live, member)
    session_socket = await connect_with_session(live, await sync_to_async(logged_in_client)(member))
    someone_else, _ = await connect_as(live, await sync_to_async(factories.UserFactory)())

    def change_password() -> None:
        member.set_password("another-long-passphrase")
        member.save()

    await sync_to_async(change_password)()

    assert await closed_with_code(token_socket) == 4401
    assert await closed_with_code(session_socket) == 4401
    assert await still_open(someone_else)


async def test_deactivation_closes_the_users_sockets(live, member):
    socket, _ = await connect_as(live, member)

    def deactivate() -> None:
        member.is_active = False
        member.save(update_fields=["is_active"])

    await sync_to_async(deactivate)()

    assert await closed_with_code(socket) == 4401


async def test_revoking_a_token_in_the_admin_closes_its_socket(live, member):
    socket, _ = await connect_as(live, member)

    def revoke_every_token() -> None:
        for token in AuthToken.objects.filter(user=member):
            services.revoke_token(token=token)

    await sync_to_async(revoke_every_token)()

    assert await closed_with_code(socket) == 4401


async def test_session_logout_closes_that_sessions_socket_only(live, member):
    leaving = await sync_to_async(logged_in_client)(member)
    staying = await sync_to_async(logged_in_client)(member)
    socket = await connect_with_session(live, leaving)
    other = await connect_with_session(live, staying)

    response = await sync_to_async(leaving.post)("/accounts/logout/")

    assert response.status_code == 302
    assert await closed_with_code(socket) == 4401
    assert await still_open(other)


async def test_a_token_that_expires_closes_its_socket_on_time(live, member):
    _, key = await sync_to_async(AuthToken.objects.create)(user=member, expiry=timedelta(seconds=1))
    socket = await connect_with_token(live, key)

    assert await closed_with_code(socket) == 4401


async def test_after_expiry_a_frame_is_answered_with_the_close_not_a_replay(live, member):
    await sync_to_async(factories.LiveMessageFactory.create_batch)(
        3, organization=member.organization
    )
    socket = await connect_with_token(live, await sync_to_async(token_for)(member))

    with time_machine.travel(timezone.now() + timedelta(hours=10, seconds=1)):
        await socket.send_json_to({"type": "resume", "since": 0})
        assert await closed_with_code(socket) == 4401


async def test_after_expiry_no_live_message_is_relayed(live, member):
    socket = await connect_with_token(live, await sync_to_async(token_for)(member))

    with time_machine.travel(timezone.now() + timedelta(hours=10, seconds=1)):
        message = await sync_to_async(factories.LiveMessageFactory)(
            organization=member.organization
        )
        await sync_to_async(send_to_groups)([message])
        assert await closed_with_code(socket) == 4401
