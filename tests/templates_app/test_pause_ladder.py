"""Meta's pause ladder from real-shaped bodies, time frozen: what people read, which alerts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from alerts.models import Alert
from campaigns.models import Campaign
from scheduling.jobs import check_overdue_pauses
from templates_app.models import TemplatePause
from tests import factories
from tests.webhooks import payload_bytes, signed_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhook_settings")]

CRITICAL_URL = "/api/v1/whatsapp/templates/critical"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def deliver(client, name: str, when: str) -> None:
    with time_machine.travel(at(when), tick=False):
        assert signed_post(client, payload_bytes(name)).status_code == 200


def ladder(admin_client, template, when: str) -> dict:
    with time_machine.travel(at(when), tick=False):
        response = admin_client.get(f"/api/v1/whatsapp/templates/{template.pk}/")
    assert response.status_code == 200
    return response.json()["pause_ladder"]


def open_alerts(template) -> dict[str, Alert]:
    return {
        alert.kind: alert
        for alert in Alert.objects.filter(template=template, status__in=Alert.OPEN_STATUSES)
    }


def test_first_pause_unpause_second_pause_then_disabled(client, admin_client, order_update):
    factories.CampaignFactory(template=order_update, status=Campaign.Status.ACTIVE)

    deliver(client, "ladder/ladder_1_first_pause.json", "2026-12-01T08:00:30")
    first = ladder(admin_client, order_update, "2026-12-01T09:00:00")
    assert first["quality_pauses"] == 1
    assert first["summary"] == "Paused once: Meta pauses it for 6 hours at the next RED rating"
    assert first["expected_back"] == "Expected back at 11:00 UTC on 1 Dec 2026"
    assert first["critical"] is False
    assert [(p["title"], p["ended_at"]) for p in first["pauses"]] == [("FIRST_PAUSE", None)]
    assert "until Dec 1, 2026 at 11:00 AM UTC" in first["pauses"][0]["description"]
    assert open_alerts(order_update)["TEMPLATE_PAUSED"].severity == "WARNING"

    deliver(client, "ladder/ladder_2_unpause.json", "2026-12-01T11:00:10")
    unpaused = ladder(admin_client, order_update, "2026-12-01T12:00:00")
    assert unpaused["expected_back"] == ""
    assert unpaused["summary"].startswith("Paused once")
    assert [(p["title"], p["ended_by"]) for p in unpaused["pauses"]] == [("FIRST_PAUSE", "UNPAUSE")]
    assert open_alerts(order_update) == {}

    deliver(client, "ladder/ladder_3_second_pause.json", "2026-12-04T12:00:05")
    second = ladder(admin_client, order_update, "2026-12-04T13:00:00")
    assert second["quality_pauses"] == 2
    assert second["summary"] == "Paused twice: Meta disables it at the next RED rating"
    assert second["expected_back"] == "Expected back at 18:00 UTC on 4 Dec 2026"
    assert second["critical"] is True
    alert = open_alerts(order_update)["TEMPLATE_SECOND_PAUSE"]
    assert alert.severity == "CRITICAL"
    assert alert.title == (
        "Template order_update (en_US) was paused a second time by Meta: Meta disables it at "
        "the next RED rating. 1 campaign paused."
    )
    with time_machine.travel(at("2026-12-04T13:00:00"), tick=False):
        critical = admin_client.get(CRITICAL_URL).json()["critical_templates"]
    assert critical[0]["what_comes_next"] == (
        "Paused twice: Meta disables it at the next RED rating. "
        "Expected back at 18:00 UTC on 4 Dec 2026."
    )

    deliver(client, "ladder/ladder_4_disabled.json", "2026-12-04T20:00:02")
    alerts = open_alerts(order_update)
    assert set(alerts) == {"TEMPLATE_DISABLED"}
    assert alerts["TEMPLATE_DISABLED"].data["escalated_from"] == ["TEMPLATE_SECOND_PAUSE"]
    pauses = TemplatePause.objects.filter(template=order_update).order_by("paused_at")
    assert [(p.title, p.ended_by) for p in pauses] == [
        ("FIRST_PAUSE", "UNPAUSE"),
        ("SECOND_PAUSE", "DISABLED"),
    ]


def test_the_same_pause_delivered_again_is_kept_once(client, order_update):
    deliver(client, "ladder/ladder_1_first_pause.json", "2026-12-01T08:00:30")
    deliver(client, "ladder/ladder_1_first_pause.json", "2026-12-01T08:05:00")

    assert TemplatePause.objects.filter(template=order_update).count() == 1


def test_a_second_pause_whose_unpause_was_lost_still_climbs_the_ladder(
    client, admin_client, order_update
):
    deliver(client, "ladder/ladder_1_first_pause.json", "2026-12-01T08:00:30")
    deliver(client, "ladder/ladder_3_second_pause.json", "2026-12-04T12:00:05")

    second = ladder(admin_client, order_update, "2026-12-04T13:00:00")
    assert second["quality_pauses"] == 2
    assert [(p["title"], p["ended_by"]) for p in second["pauses"]] == [
        ("FIRST_PAUSE", "SECOND_PAUSE"),
        ("SECOND_PAUSE", ""),
    ]
    assert set(open_alerts(order_update)) == {"TEMPLATE_SECOND_PAUSE"}


def test_a_pause_as_meta_publishes_it_counts_its_hours_from_the_event(
    client, admin_client, order_update
):
    # Meta's own example: its description names a time a year off; 6 hours from the event hold.
    deliver(client, "ladder/status_paused_second_pause.json", "2025-12-04T12:01:00")

    second = ladder(admin_client, order_update, "2025-12-04T13:00:00")
    assert second["expected_back_at"] == "2025-12-04T18:00:00Z"


def test_still_paused_an_hour_after_it_was_expected_back_raises_its_own_alert(client, order_update):
    deliver(client, "ladder/ladder_3_second_pause.json", "2026-12-04T12:00:05")

    with time_machine.travel(at("2026-12-04T18:59:00"), tick=False):
        check_overdue_pauses()
    assert "TEMPLATE_PAUSE_OVERDUE" not in open_alerts(order_update)

    with time_machine.travel(at("2026-12-04T19:01:00"), tick=False):
        check_overdue_pauses()
        check_overdue_pauses()
    overdue = Alert.objects.get(kind="TEMPLATE_PAUSE_OVERDUE")
    assert overdue.occurrences == 1
    assert overdue.title == (
        "Template order_update (en_US) is still paused an hour after it was expected back "
        "(18:00 UTC on 4 Dec 2026)."
    )

    deliver(client, "ladder/ladder_4_disabled.json", "2026-12-04T20:00:02")
    overdue.refresh_from_db()
    assert overdue.status == "RESOLVED"


def test_flagged_with_a_disable_date_is_critical_with_the_date(client, admin_client, order_update):
    deliver(client, "ladder/status_flagged_disable_date.json", "2025-12-04T12:00:10")

    flagged = ladder(admin_client, order_update, "2025-12-04T13:00:00")
    assert flagged["disable_warning"] == (
        "Meta will disable it on 12 Dec 2026 unless its quality improves"
    )
    assert flagged["critical"] is True
    alert = open_alerts(order_update)["TEMPLATE_FLAGGED_FOR_DISABLE"]
    assert alert.severity == "CRITICAL"
    assert alert.title == (
        "Template order_update (en_US) was flagged by Meta: Meta will disable it on "
        "12 Dec 2026 unless its quality improves."
    )


def test_the_admin_template_page_shows_the_ladder(client, order_update, super_admin):
    deliver(client, "ladder/ladder_1_first_pause.json", "2026-12-01T08:00:30")
    deliver(client, "ladder/ladder_2_unpause.json", "2026-12-01T11:00:10")
    deliver(client, "ladder/ladder_3_second_pause.json", "2026-12-04T12:00:05")
    client.force_login(super_admin)

    with time_machine.travel(at("2026-12-04T13:00:00"), tick=False):
        page = client.get(f"/admin/templates_app/whatsapptemplate/{order_update.pk}/change/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "Paused twice: Meta disables it at the next RED rating" in text
    # Each rung in words, when it ended and by what news; never Meta's codes.
    assert (
        "1 Dec 2026, 08:00: Paused for low quality (first pause, 3 hours); "
        "ended 1 Dec 2026, 11:00: Pause lifted by Meta" in text
    )
    assert "4 Dec 2026, 12:00: Paused for low quality again (second pause, 6 hours)</li>" in text
    ladder = text.split("field-pause_ladder")[1].split("form-row")[0]
    assert "FIRST_PAUSE" not in ladder and "SECOND_PAUSE" not in ladder


def test_the_dashboard_says_where_a_template_stands_on_the_ladder(client, order_update, member):
    deliver(client, "ladder/ladder_1_first_pause.json", "2026-12-01T08:00:30")
    deliver(client, "ladder/ladder_2_unpause.json", "2026-12-01T11:00:10")
    deliver(client, "ladder/ladder_3_second_pause.json", "2026-12-04T12:00:05")
    client.force_login(member)

    with time_machine.travel(at("2026-12-04T13:00:00"), tick=False):
        page = client.get("/dashboard/sections/critical/").content.decode()

    assert (
        '<span class="ladder" data-cell="ladder">Paused twice: Meta disables it at the next RED '
        "rating. Expected back at 18:00 UTC on 4 Dec 2026.</span>"
    ) in page
