"""Lifting a pause by pacing: Meta's `POST /{template_id}/unpause`, on a local Graph stand-in."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission

from audit.models import AuditLog
from templates_app.graph_stand_in import Answer
from templates_app.meta.graph import error_body
from templates_app.services.accounts import store_access_token
from tests.graph import GRAPH_TOKEN
from tests.webhooks import payload_bytes, signed_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhook_settings")]

# `status_locked_lowercase.json`: Meta locked order_update by pacing at this time (entry.time).
LOCKED_AT = datetime(2024, 11, 24, 8, 40, tzinfo=UTC)


@pytest.fixture
def paced(client, graph, meta_waba, order_update):
    """order_update, locked by pacing through Meta's webhook; Meta knows it and the token."""
    store_access_token(account=meta_waba, access_token=GRAPH_TOKEN)
    graph.templates[meta_waba.waba_id] = [
        {"id": order_update.meta_template_id, "name": "order_update", "status": "PAUSED"}
    ]
    with time_machine.travel(LOCKED_AT + timedelta(seconds=20), tick=False):
        assert signed_post(client, payload_bytes("status_locked_lowercase.json")).status_code == 200
    order_update.refresh_from_db()
    assert order_update.status == "LOCKED"
    return order_update


def unpause(api_client, template, when: datetime):
    with time_machine.travel(when, tick=False):
        return api_client.post(f"/api/v1/whatsapp/templates/{template.pk}/unpause")


def test_before_five_minutes_since_metas_pause_it_is_refused_with_the_time(
    admin_client, graph, paced
):
    response = unpause(admin_client, paced, LOCKED_AT + timedelta(minutes=4, seconds=59))

    assert response.status_code == 409
    assert response.json()["detail"] == (
        "Meta lifts a pause by pacing no sooner than 5 minutes after it began (08:40 UTC on "
        "24 Nov 2024, Meta's time): try again at 08:45:00 UTC."
    )
    assert graph.unpaused == []
    assert not AuditLog.objects.filter(action="template.unpause_requested").exists()


def test_after_five_minutes_meta_is_asked_and_its_success_shown_and_audited(
    admin_client, org_admin, graph, paced
):
    response = unpause(admin_client, paced, LOCKED_AT + timedelta(minutes=5, seconds=1))

    assert response.status_code == 200
    assert response.json() == {
        "accepted": True,
        "detail": "Meta accepted the unpause of order_update: it sends again once Meta "
        "confirms it.",
    }
    assert graph.unpaused == [paced.meta_template_id]
    entry = AuditLog.objects.get(action="template.unpause_requested")
    assert (entry.actor_id, entry.target_id) == (org_admin.pk, str(paced.pk))
    assert entry.changes["accepted"] is True
    assert entry.reason.startswith("Meta accepted the unpause")


def test_the_five_minutes_count_from_metas_event_time_not_the_arrival(
    client, admin_client, graph, meta_waba, order_update
):
    store_access_token(account=meta_waba, access_token=GRAPH_TOKEN)
    graph.templates[meta_waba.waba_id] = [{"id": order_update.meta_template_id}]
    # A retried delivery arrives 10 minutes after Meta paused the template.
    with time_machine.travel(LOCKED_AT + timedelta(minutes=10), tick=False):
        signed_post(client, payload_bytes("status_locked_lowercase.json"))

    response = unpause(admin_client, order_update, LOCKED_AT + timedelta(minutes=11))

    assert response.status_code == 200
    assert graph.unpaused == [order_update.meta_template_id]


def test_metas_error_is_shown_and_audited(admin_client, graph, paced):
    graph.fail_next(
        Answer(
            400,
            error_body(message="(#100) Invalid parameter", code=100, type="OAuthException"),
            path_end="unpause",
        )
    )

    response = unpause(admin_client, paced, LOCKED_AT + timedelta(minutes=6))

    assert response.status_code == 502
    assert response.json()["detail"] == (
        "Meta refused to unpause order_update: (#100) Invalid parameter (HTTP 400, code 100, "
        "trace AbCdEfGhIjKlMnOp)"
    )
    entry = AuditLog.objects.get(action="template.unpause_requested")
    assert entry.changes == {"status": "LOCKED", "accepted": False, "meta_error_code": 100}
    assert graph.unpaused == []


def test_a_quality_pause_is_not_one_a_person_may_lift(client, admin_client, graph, order_update):
    with time_machine.travel(datetime(2026, 12, 1, 8, 1, tzinfo=UTC), tick=False):
        signed_post(client, payload_bytes("ladder/ladder_1_first_pause.json"))

    response = unpause(admin_client, order_update, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))

    assert response.status_code == 409
    assert response.json()["detail"] == (
        "order_update is under a first quality pause, which only Meta lifts: it is expected "
        "back at 11:00 UTC on 1 Dec 2026. Only a pause by pacing (RATE_LIMITING_PAUSE) can be "
        "lifted on request."
    )
    assert graph.unpaused == []


def test_only_org_admins_may_unpause(member_client, graph, paced):
    response = unpause(member_client, paced, LOCKED_AT + timedelta(minutes=6))

    assert response.status_code == 403
    assert graph.unpaused == []


def test_the_admin_page_offers_unpause_and_shows_metas_answer(client, graph, paced, org_admin):
    org_admin.is_staff = True
    org_admin.save()
    org_admin.user_permissions.set(Permission.objects.filter(codename__endswith="whatsapptemplate"))
    client.force_login(org_admin)
    page_url = f"/admin/templates_app/whatsapptemplate/{paced.pk}/change/"

    with time_machine.travel(LOCKED_AT + timedelta(minutes=6), tick=False):
        page = client.get(page_url).content.decode()
        assert "Unpause (ask Meta)" in page
        assert "Paused by pacing: it comes back only when unpaused" in page
        answered = client.post(
            f"/admin/templates_app/whatsapptemplate/{paced.pk}/unpause/", follow=True
        )

    assert "Meta accepted the unpause of order_update" in answered.content.decode()
    assert graph.unpaused == [paced.meta_template_id]


def test_the_dashboard_offers_unpause_to_org_admins_only(client, paced, org_admin, member):
    # A member sees the button disabled, with the reason in words beside it.
    refusal = f"Only an admin of {org_admin.organization.name} can do this."
    for person, offered in ((org_admin, True), (member, False)):
        client.force_login(person)
        with time_machine.travel(LOCKED_AT + timedelta(minutes=6), tick=False):
            page = client.get("/dashboard/sections/critical/").content.decode()
        button = re.search(
            f'<button type="button" class="unpause" data-template-id="{paced.pk}"[^>]*>', page
        )
        assert button is not None
        assert ("disabled" not in button.group()) is offered
        assert (refusal in page) is not offered
