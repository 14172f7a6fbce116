"""Redis unreachable: the webhook still answers 200 and commits; the messages wait for a resume."""

from __future__ import annotations

import logging
import socket

import pytest
from django.test import Client

from campaigns.models import Campaign
from live.models import LiveMessage
from templates_app.meta import status_update_body
from tests import factories
from tests.webhooks import signed_post

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("webhook_settings")]


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on: bound, then released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(
    params=[
        "channels_redis.pubsub.RedisPubSubChannelLayer",
        "channels_redis.core.RedisChannelLayer",
    ]
)
def unreachable_redis_layer(request, settings, closed_port):
    """The production layer (and channels-redis' other one), pointed at a closed port."""
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": request.param,
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{closed_port}/0"]},
        }
    }


def test_webhook_answers_200_and_commits_when_the_channel_layer_is_down(
    unreachable_redis_layer, caplog
):
    template = factories.WhatsAppTemplateFactory()
    campaign = factories.CampaignFactory(template=template)
    body = status_update_body(
        waba_id=template.business_account.waba_id,
        event="PAUSED",
        template_id=template.meta_template_id,
        name=template.name,
        occurred_at=1_795_000_000,
    )

    with caplog.at_level(logging.ERROR, logger="live.broadcast"):
        response = signed_post(Client(), body)

    assert response.status_code == 200, response.content
    campaign.refresh_from_db()
    template.refresh_from_db()
    assert (template.status, campaign.status) == ("PAUSED", Campaign.Status.PAUSED)
    kept = list(LiveMessage.objects.values_list("type", flat=True))
    assert kept == ["template.status_changed", "campaigns.paused", "alert.created"]
    # The delivery's messages went to the organization's group together: one failure, naming
    # each of them.
    named = ", ".join(f"{message.pk} ({message.type})" for message in LiveMessage.objects.all())
    assert [record.message for record in caplog.records] == [
        f"Live messages {named} of organization {template.organization_id} could not be sent"
    ]
