"""One open alert per template and kind, also when deliveries arrive at the same moment."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from alerts.models import Alert
from alerts.services import lifecycle
from templates_app.meta import encode
from tests.alerts.conftest import T0, status_body
from tests.templates_app.test_webhook_concurrency import post_concurrently

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("webhook_settings"),
]


def test_two_deliveries_at_once_leave_one_alert_seen_twice(template):
    # At the same moment, so that neither is stale whichever the row lock lets in first.
    bodies = [
        encode(status_body(template, "LOCKED", occurred_at=T0)),
        encode(status_body(template, "PAUSED", occurred_at=T0)),
    ]

    responses = post_concurrently(bodies)

    assert [response.status_code for response in responses] == [200, 200]
    alert = Alert.objects.get()
    assert (alert.kind, alert.status, alert.occurrences) == ("TEMPLATE_PAUSED", "OPEN", 2)


def test_insert_that_loses_the_race_updates_the_winner(template):
    # The first transaction inserts and holds its commit; the second finds nothing open, so
    # it inserts too, waits on the unique index, and after the commit inserts nothing.
    first_inserted = threading.Event()

    def first() -> None:
        with transaction.atomic():
            raise_paused_alert(template, title="first")
            first_inserted.set()
            time.sleep(0.5)  # long enough for the second to reach the index and wait

    def second() -> None:
        first_inserted.wait(timeout=10)
        with transaction.atomic():
            _, created = raise_paused_alert(template, title="second")
            assert created is False

    run_side_by_side(first, second)

    alert = Alert.objects.get()
    assert (alert.occurrences, alert.title) == (2, "second")


def test_news_repeated_while_a_person_resolves_the_alert_opens_a_new_one(template):
    # The INSERT finds the open alert; by the time it is locked, a person has resolved it: the
    # news is then a new alert, not an occurrence of a resolved one.
    raise_paused_alert(template, title="first")
    resolver_locked = threading.Event()

    def resolver() -> None:
        with transaction.atomic():
            alert = Alert.objects.select_for_update().get()
            resolver_locked.set()
            time.sleep(0.5)  # the news's INSERT finds the alert open meanwhile
            alert.status = Alert.Status.RESOLVED
            alert.resolution = "Fixed by hand"
            alert.save(update_fields=["status", "resolution"])

    def news() -> None:
        resolver_locked.wait(timeout=10)
        with transaction.atomic():
            _, created = raise_paused_alert(template, title="again")
            assert created is True

    run_side_by_side(resolver, news)

    assert sorted(Alert.objects.values_list("title", "status", "occurrences")) == [
        ("again", "OPEN", 1),
        ("first", "RESOLVED", 1),
    ]


def raise_paused_alert(template, *, title: str) -> tuple[Alert, bool]:
    return lifecycle.raise_alert(
        template=template, kind="TEMPLATE_PAUSED", severity="WARNING", title=title, data={}
    )


def run_side_by_side(*steps: Callable[[], None]) -> None:
    """Run each step in a thread of its own, with its own connection; fail with their errors."""
    errors: list[BaseException] = []

    def run(step: Callable[[], None]) -> None:
        try:
            step()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(step,)) for step in steps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
