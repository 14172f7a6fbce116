"""`manage.py check_template_health`: PENDING for more than 48 hours raises one alert."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from alerts.models import Alert
from tests import factories

pytestmark = pytest.mark.django_db

SUBMITTED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def pending(phone_number):
    return factories.WhatsAppTemplateFactory(
        phone_number=phone_number,
        name="spring_sale",
        status="PENDING",
        pending_since=SUBMITTED,
        approved_at=None,
    )


def check() -> str:
    out = StringIO()
    call_command("check_template_health", stdout=out)
    return out.getvalue()


def test_pending_for_47h59_raises_nothing(pending):
    with time_machine.travel(SUBMITTED + timedelta(hours=47, minutes=59), tick=False):
        output = check()

    assert not Alert.objects.exists()
    assert "0 new alert(s)." in output


def test_pending_for_48h01_raises_a_warning(pending):
    with time_machine.travel(SUBMITTED + timedelta(hours=48, minutes=1), tick=False):
        output = check()

    alert = Alert.objects.get()
    assert (alert.kind, alert.severity, alert.status) == (
        "TEMPLATE_PENDING_TOO_LONG",
        "WARNING",
        "OPEN",
    )
    assert alert.title == (
        "Template spring_sale (en_US) has waited for Meta's review for more than 48 hours."
    )
    assert alert.data["reason"] == "Waiting for Meta's review since 2026-11-20 09:00 UTC"
    assert alert.title in output


def test_running_it_again_changes_nothing(pending):
    with time_machine.travel(SUBMITTED + timedelta(hours=49), tick=False):
        check()
    with time_machine.travel(SUBMITTED + timedelta(hours=60), tick=False):
        output = check()

    alert = Alert.objects.get()
    assert alert.occurrences == 1
    assert "0 new alert(s)." in output


def test_approved_and_deleted_templates_are_not_pending(phone_number):
    factories.WhatsAppTemplateFactory(
        phone_number=phone_number, status="APPROVED", pending_since=SUBMITTED
    )
    factories.WhatsAppTemplateFactory(
        phone_number=phone_number,
        status="PENDING",
        pending_since=SUBMITTED,
        deleted_at=SUBMITTED,
    )

    with time_machine.travel(SUBMITTED + timedelta(days=5), tick=False):
        check()

    assert not Alert.objects.exists()
