"""What follows a template's news is one ordered list of reactions, run once a unit of work."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings
from django.test import override_settings

from alerts.models import Alert
from audit.models import AuditLog
from campaigns.models import Campaign
from templates_app.meta import combine, encode
from templates_app.models import TemplateStatus, WebhookDelivery
from tests import factories
from tests.webhooks import signed_post, template_quality_body, template_status_body

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhook_settings")]

T0 = 1_800_000_000


def swapped(names: list[str], first: str, second: str) -> list[str]:
    swapped_names = list(names)
    i, j = swapped_names.index(first), swapped_names.index(second)
    swapped_names[i], swapped_names[j] = swapped_names[j], swapped_names[i]
    return swapped_names


@pytest.mark.parametrize("order", ["as installed", "alerts before campaigns"])
def test_the_alert_counts_the_campaigns_paused_whatever_the_order_of_installed_apps(
    client, order_update, order
):
    factories.CampaignFactory.create_batch(3, template=order_update)
    installed = list(settings.INSTALLED_APPS)
    if order != "as installed":
        installed = swapped(installed, "campaigns", "alerts")
    body = encode(template_status_body(order_update, "PAUSED", occurred_at=T0))

    with override_settings(INSTALLED_APPS=installed):
        labels = [config.label for config in apps.get_app_configs()]
        assert (labels.index("alerts") < labels.index("campaigns")) is (order != "as installed")
        response = signed_post(client, body)

    assert response.status_code == 200
    alert = Alert.objects.get(template=order_update)
    assert alert.title.endswith("3 campaigns paused.")
    assert alert.data["campaigns_paused"] == 3


def test_paused_reinstated_and_paused_again_in_one_delivery_is_audited_three_times_and_ends_paused(
    client, order_update
):
    campaigns = factories.CampaignFactory.create_batch(2, template=order_update, auto_resume=True)
    body = encode(
        combine(
            template_status_body(order_update, "PAUSED", occurred_at=T0),
            template_status_body(order_update, "REINSTATED", occurred_at=T0 + 60),
            template_status_body(order_update, "PAUSED", occurred_at=T0 + 120),
        )
    )

    response = signed_post(client, body)

    assert response.status_code == 200
    order_update.refresh_from_db()
    assert order_update.status == TemplateStatus.PAUSED
    template_entries = AuditLog.objects.filter(
        target_id=str(order_update.pk), action="template.status_changed"
    ).order_by("id")
    assert [entry.changes["status"] for entry in template_entries] == [
        ["APPROVED", "PAUSED"],
        ["PAUSED", "APPROVED"],
        ["APPROVED", "PAUSED"],
    ]
    for campaign in campaigns:
        campaign.refresh_from_db()
        assert (campaign.status, campaign.paused_by_template) == (Campaign.Status.PAUSED, True)
        moves = AuditLog.objects.filter(target_id=str(campaign.pk)).order_by("id")
        assert [entry.action for entry in moves] == [
            "campaign.paused",
            "campaign.resumed",
            "campaign.paused",
        ]
    # The first alert was resolved by the reinstatement; the second pause opened another. Each
    # counts the campaigns its own pause held.
    alerts = Alert.objects.filter(template=order_update).order_by("created_at")
    assert [(alert.status, alert.title) for alert in alerts] == [
        ("RESOLVED", "Template order_update (en_US) was paused by Meta. 2 campaigns paused."),
        ("OPEN", "Template order_update (en_US) was paused by Meta. 2 campaigns paused."),
    ]


def test_each_reaction_runs_once_for_all_the_changes_of_a_delivery(
    client, meta_number, plug_reaction
):
    calls: list[list[str]] = []
    plug_reaction(lambda changes, context: calls.append([str(c.kind) for c in changes]))
    first, second = factories.WhatsAppTemplateFactory.create_batch(2, phone_number=meta_number)
    body = encode(
        combine(
            template_status_body(first, "PAUSED", occurred_at=T0),
            template_quality_body(first, "RED", occurred_at=T0),
            template_quality_body(second, "YELLOW", occurred_at=T0),
        )
    )

    response = signed_post(client, body)

    assert response.status_code == 200
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.PROCESSED
    assert calls == [["status", "quality", "quality"]]


def test_an_alert_resolved_and_raised_again_in_one_delivery_is_a_new_alert(client, order_update):
    assert (
        signed_post(
            client, encode(template_status_body(order_update, "PAUSED", occurred_at=T0))
        ).status_code
        == 200
    )
    first = Alert.objects.get(template=order_update)
    body = encode(
        combine(
            template_status_body(order_update, "REINSTATED", occurred_at=T0 + 60),
            template_status_body(order_update, "PAUSED", occurred_at=T0 + 120),
        )
    )

    response = signed_post(client, body)

    assert response.status_code == 200
    first.refresh_from_db()
    assert first.status == Alert.Status.RESOLVED
    [second] = Alert.objects.filter(template=order_update, status=Alert.Status.OPEN)
    assert second.pk != first.pk
    assert second.occurrences == 1


def test_an_alert_counts_the_campaigns_its_own_pause_held_even_if_a_later_change_resumed_them(
    client, order_update
):
    factories.CampaignFactory.create_batch(2, template=order_update, auto_resume=True)
    body = encode(
        combine(
            template_status_body(order_update, "PAUSED", occurred_at=T0),
            template_status_body(order_update, "REINSTATED", occurred_at=T0 + 60),
        )
    )

    response = signed_post(client, body)

    assert response.status_code == 200
    alert = Alert.objects.get(template=order_update)
    assert alert.status == Alert.Status.RESOLVED
    assert alert.title == "Template order_update (en_US) was paused by Meta. 2 campaigns paused."
    assert not Campaign.objects.filter(status=Campaign.Status.PAUSED).exists()
