"""One open alert per template and kind, also when deliveries arrive at the same moment."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from alerts import services
from alerts.models import Alert
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
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                services.raise_alert(
                    template=template,
                    kind="TEMPLATE_PAUSED",
                    severity="WARNING",
                    title="first",
                    data={},
                )
                first_inserted.set()
                time.sleep(0.5)  # long enough for the second to reach the index and wait
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def second() -> None:
        try:
            first_inserted.wait(timeout=10)
            with transaction.atomic():
                _, created = services.raise_alert(
                    template=template,
                    kind="TEMPLATE_PAUSED",
                    severity="WARNING",
                    title="second",
                    data={},
                )
                assert created is False
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors, errors
    alert = Alert.objects.get()
    assert (alert.occurrences, alert.title) == (2, "second")


def test_news_repeated_while_a_person_resolves_the_alert_opens_a_new_one(template):
    # The INSERT finds the open alert; by the time it is locked, a person has resolved it: the
    # news is then a new alert, not an occurrence of a resolved one.
    services.raise_alert(
        template=template, kind="TEMPLATE_PAUSED", severity="WARNING", title="first", data={}
    )
    resolver_locked = threading.Event()
    errors: list[BaseException] = []

    def resolver() -> None:
        try:
            with transaction.atomic():
                alert = Alert.objects.select_for_update().get()
                resolver_locked.set()
                time.sleep(0.5)  # the news's INSERT finds the alert open meanwhile
                alert.status = Alert.Status.RESOLVED
                alert.resolution = "Fixed by hand"
                alert.save(update_fields=["status", "resolution"])
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def news() -> None:
        try:
            resolver_locked.wait(timeout=10)
            with transaction.atomic():
                _, created = services.raise_alert(
                    template=template,
                    kind="TEMPLATE_PAUSED",
                    severity="WARNING",
                    title="again",
                    data={},
                )
                assert created is True
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=resolver), threading.Thread(target=news)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors, errors
    assert sorted(Alert.objects.values_list("title", "status", "occurrences")) == [
        ("again", "OPEN", 1),
        ("first", "RESOLVED", 1),
    ]
