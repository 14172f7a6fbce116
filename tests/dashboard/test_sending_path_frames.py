"""The sending path's live frames say whether the news stops sending, so the page can warn."""

from __future__ import annotations

import pytest

from live.models import LiveMessage
from tests import factories
from tests.webhooks import payload_bytes, signed_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_number(meta_waba):
    return factories.PhoneNumberFactory(
        business_account=meta_waba, display_phone_number="+1 555 000 1111"
    )


def sending_of_frames(client, name: str) -> list[str]:
    LiveMessage.objects.all().delete()
    assert signed_post(client, payload_bytes(name)).status_code == 200
    return [
        message.payload["sending"]
        for message in LiveMessage.objects.filter(type="sending_path.changed").order_by("pk")
    ]


def test_a_disabled_account_stops_sending_and_its_reinstatement_allows_it(
    client, webhook_settings, demo_number
):
    assert sending_of_frames(client, "account_disabled.json") == ["stops"]
    assert sending_of_frames(client, "account_reinstated.json") == ["allows"]


def test_a_warning_neither_stops_nor_allows_sending(client, webhook_settings, demo_number):
    assert sending_of_frames(client, "account_disable_scheduled.json") == ["none"]
