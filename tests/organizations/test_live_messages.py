"""What the organization's sockets hear when Meta's webhook or a person changes something."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from rest_framework.test import APIClient

from campaigns.models import Campaign
from live.models import LiveMessage
from templates_app.meta import category_update_body, combine
from tests import factories
from tests.organizations.conftest import connect_as, post_webhook
from tests.webhooks import template_quality_body as quality_body
from tests.webhooks import template_status_body as status_body

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("webhook_settings"),
]

PAUSED_AT = 1_795_000_000  # unix seconds, as Meta sends entry[].time
REINSTATED_AT = PAUSED_AT + 3 * 3600
ENVELOPE = {"type", "id", "organization_id", "timestamp"}


@pytest.fixture
def template():
    return factories.WhatsAppTemplateFactory(name="order_update", language="en_US")


@pytest.fixture
def member(template):
    return factories.UserFactory(organization=template.organization)


async def test_paused_webhook_sends_the_status_change_then_one_message_for_all_campaigns(
    live, template, member
):
    create = sync_to_async(factories.CampaignFactory)
    active = await create(template=template, status=Campaign.Status.ACTIVE)
    scheduled = await create(template=template, status=Campaign.Status.SCHEDULED)
    await create(template=template, status=Campaign.Status.DRAFT)
    socket, hello = await connect_as(live, member)

    response = await post_webhook(
        status_body(
            template,
            "PAUSED",
            PAUSED_AT,
            other_info={"title": "FIRST_PAUSE", "description": "Paused for 3 hours."},
        )
    )

    assert response.status_code == 200
    status_changed = await socket.receive_json_from()
    assert status_changed.keys() >= ENVELOPE
    assert status_changed["id"] > hello["last_id"]
    assert status_changed["organization_id"] == str(template.organization_id)
    assert {key: status_changed[key] for key in status_changed.keys() - ENVELOPE} == {
        "template_id": str(template.pk),
        "name": "order_update",
        "language": "en_US",
        "previous_status": "APPROVED",
        "status": "PAUSED",
        "quality_score": "GREEN",
        "reason": status_changed["reason"],
        # The row's guidance, as the dashboard renders it.
        "why": "Paused for 3 hours.",
        "what_to_do": "Wait for Meta to lift the pause; improve the content to avoid a disable",
    }
    assert status_changed["type"] == "template.status_changed"
    assert "Paused for 3 hours." in status_changed["reason"]
    paused = await socket.receive_json_from()
    assert paused["type"] == "campaigns.paused"
    assert paused["id"] > status_changed["id"]
    assert paused["template_id"] == str(template.pk)
    assert sorted(paused["campaign_ids"]) == sorted([str(active.pk), str(scheduled.pk)])
    assert paused["reason"] == "Template order_update (en_US): Paused for 3 hours."
    alert = await socket.receive_json_from()
    assert (alert["type"], alert["kind"]) == ("alert.created", "TEMPLATE_PAUSED")
    assert await socket.receive_nothing()


async def test_reinstated_webhook_announces_the_campaigns_it_resumed(live, template, member):
    auto = await sync_to_async(factories.CampaignFactory)(template=template, auto_resume=True)
    await sync_to_async(factories.CampaignFactory)(template=template, auto_resume=False)
    await post_webhook(status_body(template, "PAUSED", PAUSED_AT))
    socket, _ = await connect_as(live, member)

    await post_webhook(status_body(template, "REINSTATED", REINSTATED_AT))

    status_changed = await socket.receive_json_from()
    assert (status_changed["previous_status"], status_changed["status"]) == ("PAUSED", "APPROVED")
    resumed = await socket.receive_json_from()
    assert resumed["type"] == "campaigns.resumed"
    assert resumed["campaign_ids"] == [str(auto.pk)]
    assert resumed["template_id"] == str(template.pk)


async def test_quality_webhook_sends_the_quality_change(live, template, member):
    socket, _ = await connect_as(live, member)

    await post_webhook(quality_body(template, "RED", PAUSED_AT))

    message = await socket.receive_json_from()
    assert message["type"] == "template.quality_changed"
    assert (message["previous_quality"], message["quality_score"]) == ("GREEN", "RED")
    assert (message["template_id"], message["name"]) == (str(template.pk), "order_update")
    alert = await socket.receive_json_from()
    assert (alert["type"], alert["kind"]) == ("alert.created", "TEMPLATE_QUALITY_RED")
    assert await socket.receive_nothing()


async def test_category_webhook_sends_the_category_change(live, template, member):
    socket, _ = await connect_as(live, member)

    await post_webhook(
        category_update_body(
            waba_id=template.business_account.waba_id,
            template_id=template.meta_template_id,
            name=template.name,
            previous_category="UTILITY",
            new_category="MARKETING",
            occurred_at=PAUSED_AT,
        )
    )

    message = await socket.receive_json_from()
    assert message["type"] == "template.category_changed"
    assert (message["previous_category"], message["category"]) == ("UTILITY", "MARKETING")
    assert message["effective_at"] is None
    assert message["reason"] == "Meta changed the category from UTILITY to MARKETING"


async def test_a_persons_pause_and_resume_through_the_api_are_announced(live, template, member):
    campaign = await sync_to_async(factories.CampaignFactory)(template=template)
    admin = await sync_to_async(factories.OrgAdminFactory)(organization=template.organization)
    api = APIClient()
    api.force_authenticate(admin)
    socket, _ = await connect_as(live, member)

    paused_response = await sync_to_async(api.post)(
        f"/api/v1/campaigns/{campaign.pk}/pause", {"reason": "Checking the copy"}, format="json"
    )
    resumed_response = await sync_to_async(api.post)(f"/api/v1/campaigns/{campaign.pk}/resume")

    assert (paused_response.status_code, resumed_response.status_code) == (200, 200)
    paused = await socket.receive_json_from()
    assert (paused["type"], paused["campaign_ids"]) == ("campaigns.paused", [str(campaign.pk)])
    assert paused["reason"] == "Checking the copy"
    resumed = await socket.receive_json_from()
    assert (resumed["type"], resumed["campaign_ids"]) == ("campaigns.resumed", [str(campaign.pk)])


async def test_a_member_never_hears_another_organizations_news(live, template, member):
    other_template = await sync_to_async(factories.WhatsAppTemplateFactory)()
    other_member = await sync_to_async(factories.UserFactory)(
        organization=other_template.organization
    )
    ours, _ = await connect_as(live, member)
    theirs, _ = await connect_as(live, other_member)

    await post_webhook(quality_body(other_template, "YELLOW", PAUSED_AT))

    assert (await theirs.receive_json_from())["template_id"] == str(other_template.pk)
    assert await ours.receive_nothing()


async def test_one_delivery_for_two_organizations_tells_each_only_its_own_in_order(
    live, template, member
):
    other_template = await sync_to_async(factories.WhatsAppTemplateFactory)()
    other_member = await sync_to_async(factories.UserFactory)(
        organization=other_template.organization
    )
    ours, _ = await connect_as(live, member)
    theirs, _ = await connect_as(live, other_member)

    await post_webhook(
        combine(
            quality_body(template, "YELLOW", PAUSED_AT),
            quality_body(other_template, "RED", PAUSED_AT),
            status_body(template, "PAUSED", PAUSED_AT),
        )
    )

    heard = [await ours.receive_json_from() for _ in range(4)]
    assert [(frame["type"], frame["template_id"]) for frame in heard] == [
        ("template.quality_changed", str(template.pk)),
        ("alert.created", str(template.pk)),
        ("template.status_changed", str(template.pk)),
        ("alert.created", str(template.pk)),
    ]
    assert [frame["id"] for frame in heard] == sorted(frame["id"] for frame in heard)
    assert await ours.receive_nothing()
    theirs_heard = [await theirs.receive_json_from() for _ in range(2)]
    assert [(frame["type"], frame["template_id"]) for frame in theirs_heard] == [
        ("template.quality_changed", str(other_template.pk)),
        ("alert.created", str(other_template.pk)),
    ]
    assert await theirs.receive_nothing()


async def test_a_failed_delivery_rolls_back_and_announces_nothing(
    live, template, member, failing_status_reaction
):
    await sync_to_async(factories.CampaignFactory)(template=template)
    socket, _ = await connect_as(live, member)

    response = await post_webhook(status_body(template, "PAUSED", PAUSED_AT))

    assert response.status_code == 500
    assert await socket.receive_nothing()
    assert not await sync_to_async(LiveMessage.objects.exists)()


async def test_resume_replays_the_messages_missed_while_disconnected(live, template, member):
    watcher, _ = await connect_as(live, member)
    away, hello = await connect_as(live, member)
    await away.disconnect()

    await post_webhook(quality_body(template, "YELLOW", PAUSED_AT))  # the change, then its alert
    seen_live = [await watcher.receive_json_from() for _ in range(2)]
    back, _ = await connect_as(live, member)
    await back.send_json_to({"type": "resume", "since": hello["last_id"]})

    assert [await back.receive_json_from() for _ in range(2)] == seen_live
    assert [message["type"] for message in seen_live] == [
        "template.quality_changed",
        "alert.created",
    ]
    assert await back.receive_nothing()


async def test_resume_from_the_latest_id_replays_nothing(live, template, member):
    await post_webhook(quality_body(template, "YELLOW", PAUSED_AT))
    socket, hello = await connect_as(live, member)

    await socket.send_json_to({"type": "resume", "since": hello["last_id"]})

    assert hello["last_id"] > 0
    assert await socket.receive_nothing()
