"""Meta's own answer to "can it send?", read by the sync from a real local HTTP server."""

from __future__ import annotations

import threading
from io import StringIO

import pytest
from django.core.management import call_command

from alerts.models import Alert
from campaigns.models import Campaign
from templates_app.graph_client import GraphClient
from templates_app.graph_stand_in import Answer, GraphStandIn
from templates_app.management.commands.fake_graph_api import make_server, numbers_from_database
from templates_app.meta.graph import graph_template
from templates_app.models import BusinessAccount, PhoneNumber, SyncRun
from templates_app.services.accounts import store_access_token
from templates_app.services.sync import run_sync
from tests import factories
from tests.graph import GRAPH_TOKEN

pytestmark = pytest.mark.django_db

BLOCKED_ANSWER = {
    "health_status": {
        "can_send_message": "LIMITED",
        "entities": [
            {
                "entity_type": "PHONE_NUMBER",
                "id": "106540352242922",
                "can_send_message": "LIMITED",
                "additional_info": [
                    "Your phone number's messaging limit was lowered because of low quality."
                ],
            },
            {
                "entity_type": "WABA",
                "id": "102290129340398",
                "can_send_message": "BLOCKED",
                "errors": [
                    {
                        "error_code": 141006,
                        "error_description": "There is an error with the payment method.",
                        "possible_solution": "Add a new payment method to the account.",
                    }
                ],
            },
            {"entity_type": "BUSINESS", "id": "506914307656634", "can_send_message": "AVAILABLE"},
            {"entity_type": "APP", "id": "334455667788990", "can_send_message": "AVAILABLE"},
            {"entity_type": "SATELLITE", "id": "1", "can_send_message": "AVAILABLE"},
        ],
    },
    "id": "102290129340398",
}


def listed(template) -> dict:
    """The template as Meta lists it: nothing for the sync to change."""
    return graph_template(
        meta_template_id=template.meta_template_id,
        name=template.name,
        language=template.language,
        status=template.status,
        category=template.category,
        quality=template.quality_score,
    )


def sync(account: BusinessAccount) -> SyncRun:
    run = SyncRun.objects.create(business_account=account)
    return run_sync(run_id=run.pk)


@pytest.fixture
def number(synced_account, graph):
    number = factories.PhoneNumberFactory(
        business_account=synced_account, display_phone_number="+1 555 000 1111"
    )
    graph.numbers[number.phone_number_id] = {
        "quality_rating": "GREEN",
        "messaging_limit_tier": "TIER_10K",
        "status": "CONNECTED",
        "name_status": "APPROVED",
        "throughput": {"level": "STANDARD"},
    }
    return number


def test_metas_health_answer_is_parsed_with_errors_and_an_unknown_entity_type(graph):
    waba_id = "102290129340398"
    graph.templates[waba_id] = []
    graph.fail_next(Answer(200, BLOCKED_ANSWER, path_end=waba_id))

    with GraphClient(access_token=GRAPH_TOKEN) as client:
        health = client.health_status(waba_id)

    assert health.can_send_message == "LIMITED"
    assert [entity.entity_type for entity in health.entities] == [
        "PHONE_NUMBER",
        "WABA",
        "BUSINESS",
        "APP",
        "SATELLITE",
    ]
    waba = health.entities[1]
    assert (waba.can_send_message, waba.errors[0].error_code) == ("BLOCKED", 141006)
    assert health.possible_solutions() == ["Add a new payment method to the account."]
    assert health.entities[0].additional_info == (
        "Your phone number's messaging limit was lowered because of low quality.",
    )
    assert health.warnings == ("unknown entity type 'SATELLITE', kept",)
    assert graph.requests == [f"/v23.0/{waba_id}?fields=health_status"]


def test_an_answer_that_is_not_a_health_status_is_read_as_nothing_known(graph):
    graph.templates["1"] = []
    graph.fail_next(Answer(200, {"health_status": ["BLOCKED"], "id": "1"}, path_end="1"))

    with GraphClient(access_token=GRAPH_TOKEN) as client:
        health = client.health_status("1")

    assert (health.can_send_message, health.entities) == ("", ())
    assert health.warnings == ("the answer holds no health_status object",)


def test_a_blocked_account_raises_an_alert_quoting_metas_solution_and_pauses(
    synced_account, number, graph
):
    template = factories.WhatsAppTemplateFactory(phone_number=number, category="UTILITY")
    graph.templates[synced_account.waba_id] = [listed(template)]
    opted_in = factories.CampaignFactory(template=template, auto_resume=True)
    graph.block(synced_account.waba_id)

    run = sync(synced_account)

    assert run.status == SyncRun.Status.SUCCEEDED, run.errors
    alert = Alert.objects.get(kind=Alert.Kind.HEALTH_BLOCKED)
    assert alert.severity == Alert.Severity.CRITICAL
    assert alert.title == (
        f"{synced_account.name}: Meta's health check says this account cannot send: There is "
        "an error with the payment method. Meta suggests: Add a new payment method to the "
        "account. 1 campaign paused."
    )
    opted_in.refresh_from_db()
    assert opted_in.status == Campaign.Status.PAUSED
    synced_account.refresh_from_db()
    assert synced_account.health_blocked

    graph.unblock(synced_account.waba_id)
    sync(synced_account)

    alert.refresh_from_db()
    opted_in.refresh_from_db()
    assert alert.status == Alert.Status.RESOLVED
    assert alert.resolution == "Meta's health check says this account can send again."
    assert opted_in.status == Campaign.Status.ACTIVE


def test_a_numbers_quality_limit_and_status_are_read(synced_account, number, graph):
    graph.numbers[number.phone_number_id].update(quality_rating="YELLOW", status="FLAGGED")
    graph.block(
        number.phone_number_id,
        entity_type="PHONE_NUMBER",
        error_code=131031,
        description="The number is locked.",
        possible_solution="Verify the number again.",
    )

    run = sync(synced_account)

    assert run.status == SyncRun.Status.SUCCEEDED, run.errors
    number = PhoneNumber.objects.get(pk=number.pk)
    assert (number.quality_rating, number.status, number.messaging_limit) == (
        "YELLOW",
        "FLAGGED",
        "TIER_10K",
    )
    assert (number.name_status, number.throughput_level) == ("APPROVED", "STANDARD")
    assert number.health_blocked
    kinds = set(Alert.objects.values_list("kind", flat=True))
    assert kinds == {Alert.Kind.NUMBER_FLAGGED, Alert.Kind.NUMBER_HEALTH_BLOCKED}
    assert Alert.objects.get(kind=Alert.Kind.NUMBER_HEALTH_BLOCKED).title.endswith(
        "Meta's health check says number +1 555 000 1111 cannot send: The number is locked. "
        "Meta suggests: Verify the number again."
    )


def test_a_number_meta_does_not_show_does_not_fail_the_sync(synced_account, graph):
    factories.PhoneNumberFactory(business_account=synced_account)

    run = sync(synced_account)

    assert run.status == SyncRun.Status.SUCCEEDED, run.errors
    synced_account.refresh_from_db()
    assert synced_account.health_status["can_send_message"] == "AVAILABLE"


@pytest.mark.django_db(transaction=True)
def test_the_demo_stand_in_answers_blocked_for_an_entity_it_was_told_to_block(settings, meta_waba):
    number = factories.PhoneNumberFactory(business_account=meta_waba)
    stand_in = GraphStandIn(access_token="demo-graph-token")
    stand_in.numbers = numbers_from_database()
    stand_in.block(meta_waba.waba_id)
    server = make_server("127.0.0.1", 0, stand_in, lambda: {meta_waba.waba_id: []})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings.GRAPH_API_BASE_URL = stand_in.base_url
        store_access_token(account=meta_waba, access_token="demo-graph-token")
        call_command("sync_templates", "--account", meta_waba.waba_id, stdout=StringIO())
    finally:
        server.shutdown()
        server.server_close()

    assert SyncRun.objects.get().status == SyncRun.Status.SUCCEEDED
    assert Alert.objects.get(kind=Alert.Kind.HEALTH_BLOCKED).data["possible_solutions"] == [
        "Add a new payment method to the account."
    ]
    number.refresh_from_db()
    assert (number.status, number.quality_rating) == ("CONNECTED", "GREEN")
