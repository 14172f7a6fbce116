"""Meta's webhook deliveries: store, process, reprocess and prune.

One delivery, top to bottom: the view reads the signed bytes (parsing stores nothing and loses
nothing) and keeps them: a body that cannot be read as rejected (`store_delivery`, then
`reject_delivery`), one of fields this service does not handle as ignored in one statement
(`keep_unhandled_delivery`), any other stored and applied in one transaction
(`store_and_process`), or, with WEBHOOK_PROCESSING=async, stored as received (`store_delivery`)
and applied by a worker (`process_delivery`). Applying, as a set: the templates it names are
locked together, its events folded over them by the state machine
(`state_machine.apply_events`, each changed template written once), then the reaction list runs
once for all its changes (`templates_app.changes`); one change that fails never undoes the
others (`_in_transaction`). Each attempt is appended to the delivery's history.
"""

from __future__ import annotations

import hashlib
import logging
import traceback
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from pytake import log_context, metrics
from pytake.db import insert_unless_conflicting
from templates_app.changes import EFFECTS, effects_of, react_to_template_changes
from templates_app.meta import (
    SIGNATURE_HEADER,
    IgnoredChange,
    MetaPayloadError,
    ParsedDelivery,
    TemplateEvent,
    parse_delivery_body,
)
from templates_app.meta.sending_path import is_path_event
from templates_app.models import BusinessAccount, WebhookDelivery
from templates_app.path_changes import react_to_sending_path_changes
from templates_app.services.sending_path import apply_path_events
from templates_app.services.state_machine import (
    ChangeOutcome,
    Result,
    TemplateFinder,
    apply_events,
    field_of,
)
from templates_app.services.sync import request_sync_after_unknown_template

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Headers kept with a delivery: enough to re-verify it and to trace it in Meta's logs.
KEPT_HEADERS = ("Content-Type", "User-Agent", SIGNATURE_HEADER, "X-Forwarded-For")

DONE_STATUSES = frozenset({WebhookDelivery.Status.PROCESSED, WebhookDelivery.Status.IGNORED})
# Stored, and still to be applied (by the request, a task or `reprocess_webhooks`).
WAITING_STATUSES = frozenset({WebhookDelivery.Status.RECEIVED, WebhookDelivery.Status.FAILED})

# A change whose outcome is one of these was settled by an earlier attempt: a reprocess that is
# not forced leaves it alone.
SETTLED_RESULTS = frozenset(result for result in Result if result is not Result.FAILED)

# What an attempt writes on the delivery row; never the body.
ATTEMPT_FIELDS = [
    "status",
    "outcomes",
    "history",
    "fields",
    "waba_ids",
    "error",
    "attempts",
    "processed_at",
]


def store_delivery(*, body: bytes, headers: Mapping[str, str]) -> tuple[WebhookDelivery, bool]:
    """Keep the raw delivery before anything is applied; a redelivery finds its copy.

    Returns the delivery and whether it is new. Meta repeats a body byte for byte, so its sha256
    recognises a redelivery. A new delivery costs one INSERT; a copy, that INSERT (which does
    nothing) and a read of the stored row, without its body. Two copies arriving together are
    serialised by the unique index: the second INSERT waits for the first and finds it.
    """
    delivery = WebhookDelivery(
        body=body, body_sha256=hashlib.sha256(body).hexdigest(), headers=_kept_headers(headers)
    )
    if insert_unless_conflicting(delivery, conflict_field="body_sha256"):
        log_context.set_delivery(delivery.pk)
        return delivery, True
    stored = WebhookDelivery.objects.defer("body").get(body_sha256=delivery.body_sha256)
    log_context.set_delivery(stored.pk)
    return stored, False


def _kept_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {name: headers[name] for name in KEPT_HEADERS if name in headers}


def keep_unhandled_delivery(
    *, body: bytes, headers: Mapping[str, str], parsed: ParsedDelivery
) -> WebhookDelivery | None:
    """A delivery of fields this service does not handle: one INSERT, already `ignored`.

    Meta sends every subscribed field (`messages` by the thousand a minute) to the same URL:
    such a delivery is kept for its retention (WEBHOOK_IGNORED_RETENTION_DAYS) in a single
    statement, a copy of it again finding the first, or not kept at all with
    WEBHOOK_KEEP_IGNORED=false.
    """
    if not settings.WEBHOOK_KEEP_IGNORED:
        return None
    now = timezone.now()
    outcomes = [_ignored_outcome(change) for change in parsed.ignored]
    [delivery] = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                body=body,
                body_sha256=hashlib.sha256(body).hexdigest(),
                headers=_kept_headers(headers),
                status=WebhookDelivery.Status.IGNORED,
                fields=_joined(outcome.field for outcome in outcomes),
                waba_ids=_joined(change.waba_id for change in parsed.events),
                outcomes=[outcome.as_json() for outcome in outcomes],
                history=[_attempt(1, now, WebhookDelivery.Status.IGNORED, outcomes, error="")],
                attempts=1,
                processed_at=now,
            )
        ],
        # A copy of the same bytes finds the first row: the no-op update returns its id.
        update_conflicts=True,
        unique_fields=["body_sha256"],
        update_fields=["body_sha256"],
    )
    log_context.set_delivery(delivery.pk)
    return delivery


def reject_delivery(*, delivery: WebhookDelivery, reason: str) -> WebhookDelivery:
    """A signed body that is not a readable WhatsApp delivery: kept, with why, never applied."""
    with transaction.atomic():
        locked = _locked(delivery)
        if locked.status in DONE_STATUSES:
            return locked
        _finish_attempt(locked, WebhookDelivery.Status.REJECTED, outcomes=[], error=reason)
        return locked


def store_and_process(
    *, body: bytes, headers: Mapping[str, str], parsed: ParsedDelivery
) -> WebhookDelivery:
    """Keep a delivery and apply it in one transaction, one commit: the sync webhook's path.

    The new row is the lock: a copy of the same bytes arriving meanwhile waits on the unique
    index until this transaction ends, then finds the delivery done. If the transaction fails
    as a whole (its lone change raised, its connection dropped), the delivery is stored again
    in a new one as `failed`, with the error; Meta, answered 500, sends it again too. A copy of
    a delivery stored earlier is applied as `process_delivery` applies any stored one.
    """

    def attempt(isolated: bool) -> tuple[WebhookDelivery, bool]:
        delivery, created = store_delivery(body=body, headers=headers)
        if created:
            _apply(delivery, parsed, settled=set(), isolated=isolated)
        return delivery, created

    def record(exc: Exception) -> tuple[WebhookDelivery, bool]:
        with transaction.atomic():
            delivery, _ = store_delivery(body=body, headers=headers)
            locked = _locked(delivery)
            if locked.status not in DONE_STATUSES:  # else a copy was applied meanwhile
                _record_failure(locked, exc)
            return locked, True

    delivery, settled = _in_transaction(attempt, record)
    return delivery if settled else process_delivery(delivery=delivery, parsed=parsed)


def process_delivery(
    *, delivery: WebhookDelivery, parsed: ParsedDelivery | None = None, force: bool = False
) -> WebhookDelivery:
    """Apply the changes of a stored delivery.

    A delivery already processed (or ignored) is left alone unless `force`; the row lock makes a
    concurrent copy of the same delivery wait and then find it done. A change that raises is
    rolled back alone and recorded `failed` with its error; the others stay applied and the
    delivery is `failed`, for Meta's retry or `reprocess_webhooks`, which apply again only the
    changes not yet settled (all of them when `force`: applying a change twice changes nothing).
    `parsed` spares a second parse when the caller has just parsed these very bytes.
    """
    if delivery.status in DONE_STATUSES and not force:
        # Settled for good (only a forced reprocess applies it again): no lock is needed to know.
        return delivery

    def attempt(isolated: bool) -> WebhookDelivery:
        # Its body is read with the lock only when it is still to be parsed (by a worker).
        locked = _locked(delivery, with_body=parsed is None)
        if locked.status in DONE_STATUSES and not force:
            return locked
        try:
            read = parsed if parsed is not None else parse_delivery_body(bytes(locked.body))
        except MetaPayloadError as exc:
            _finish_attempt(locked, WebhookDelivery.Status.REJECTED, outcomes=[], error=str(exc))
            return locked
        settled = set() if force else _settled_positions(locked)
        _apply(locked, read, settled=settled, isolated=isolated)
        return locked

    def record(exc: Exception) -> WebhookDelivery:
        with transaction.atomic():
            locked = _locked(delivery)
            _record_failure(locked, exc)
            return locked

    return _in_transaction(attempt, record)


def _in_transaction(attempt: Callable[[bool], T], record: Callable[[Exception], T]) -> T:
    """Run `attempt` in a transaction, first with no savepoint around its changes.

    Savepoints cost two statements a change and are needed only when one fails, which is rare:
    then everything is rolled back and run again, each change in its own savepoint, so that only
    the failing ones are lost. A lone change has nothing to keep: its failure is recorded at
    once. A transaction that fails as a whole (its connection dropped) is recorded by `record`
    in a new one.
    """
    try:
        with transaction.atomic():
            return attempt(False)
    except _ChangeFailed as failure:
        if failure.alone:
            return record(failure)
        logger.warning("%s; applying its delivery again, a savepoint per change", failure)
    except Exception as exc:
        return record(exc)
    try:
        with transaction.atomic():
            return attempt(True)
    except Exception as exc:
        return record(exc)


def _apply(
    delivery: WebhookDelivery, parsed: ParsedDelivery, *, settled: set[str], isolated: bool
) -> None:
    """Apply the changes not yet settled and record the attempt, in the caller's transaction."""
    outcomes, errors, effects = _apply_changes(
        delivery,
        parsed,
        [change for change in parsed.events if change.position not in settled],
        isolated=isolated,
    )
    _request_syncs(outcomes)
    _record_attempt(delivery, parsed, outcomes, errors, effects=effects)


def _request_syncs(outcomes: list[ChangeOutcome]) -> None:
    """A template nobody knows: its account is synced to learn it (at most once a delivery)."""
    accounts: dict[Any, BusinessAccount] = {}
    for outcome in outcomes:
        if outcome.account_to_sync is not None:
            accounts.setdefault(outcome.account_to_sync.pk, outcome.account_to_sync)
    for account in accounts.values():
        request_sync_after_unknown_template(account=account)


def _record_failure(delivery: WebhookDelivery, exc: Exception) -> None:
    """Record an attempt whose transaction failed as a whole; nothing of it stays."""
    if isinstance(exc, _ChangeFailed):
        # The whole transaction was the lone change's savepoint: recorded as any failed change.
        logger.error("Delivery %s: %s", delivery.pk, exc, exc_info=exc.__cause__)
        _record_attempt(delivery, exc.parsed, [exc.outcome], [exc.error])
        return
    # The transaction itself failed (e.g. the connection dropped).
    logger.error("Webhook delivery %s failed", delivery.pk, exc_info=exc)
    _finish_attempt(
        delivery,
        WebhookDelivery.Status.FAILED,
        outcomes=[],
        error="".join(traceback.format_exception(exc)),
    )


def _record_attempt(
    delivery: WebhookDelivery,
    parsed: ParsedDelivery,
    outcomes: list[ChangeOutcome],
    errors: list[str],
    *,
    effects: Mapping[str, int] | None = None,
) -> None:
    delivery.outcomes = _merge(delivery.outcomes, outcomes, order=parsed.events)
    delivery.waba_ids = _joined(change.waba_id for change in parsed.events)
    delivery.fields = _joined(outcome["field"] for outcome in delivery.outcomes)
    _finish_attempt(
        delivery,
        _status_of(delivery.outcomes),
        outcomes=outcomes,
        error="\n".join(errors),
        effects=effects,
    )


def _locked(delivery: WebhookDelivery, *, with_body: bool = False) -> WebhookDelivery:
    deliveries = WebhookDelivery.objects.select_for_update()
    return (deliveries if with_body else deliveries.defer("body")).get(pk=delivery.pk)


def _settled_positions(delivery: WebhookDelivery) -> set[str]:
    return {
        outcome["position"]
        for outcome in delivery.outcomes or []
        if outcome.get("result") in SETTLED_RESULTS
    }


class _ChangeFailed(Exception):
    """The delivery's changes, applied as a set without savepoints, failed: with one change,
    that change failed."""

    def __init__(
        self, parsed: ParsedDelivery, outcome: ChangeOutcome, error: str, *, alone: bool
    ) -> None:
        super().__init__(
            f"Change {outcome.position} failed: {outcome.detail}"
            if alone
            else f"Applying the delivery's changes as a set failed: {outcome.detail}"
        )
        self.parsed = parsed
        self.outcome = outcome
        self.error = error
        self.alone = alone


def _apply_changes(
    delivery: WebhookDelivery,
    parsed: ParsedDelivery,
    changes: Sequence[TemplateEvent | IgnoredChange],
    *,
    isolated: bool,
) -> tuple[list[ChangeOutcome], list[str], dict[str, int]]:
    """Apply the changes; returns the outcomes, in the delivery's order, the errors of failed
    ones, and what the reactions did (`changes.effects_of`, summed over the units of work).

    Not `isolated`, the events are applied as a set and the reaction list runs once for all
    their changes; a failure is raised as `_ChangeFailed`, for the caller to roll everything
    back. `isolated`, each event is a unit of work of its own in its own savepoint, and one that
    fails is rolled back alone.
    """
    events = [change for change in changes if not isinstance(change, IgnoredChange)]
    templates = TemplateFinder.lock_for([e for e in events if not is_path_event(e)])
    by_position: dict[str, ChangeOutcome] = {}
    errors: list[str] = []
    effects: Counter[str] = Counter()

    def organization_of(*among: TemplateEvent) -> Any:
        # What is logged while changes apply names their organization, when they have one.
        organizations = {
            getattr(templates.account(e.waba_id), "organization_id", None) for e in among
        }
        return organizations.pop() if len(organizations) == 1 else None

    if not isolated:
        try:
            with log_context.bound(organization=organization_of(*events)):
                applied_outcomes, done = _apply_set(events, delivery=delivery, templates=templates)
                effects.update(done)
        except Exception as exc:
            blamed = events[0] if len(events) == 1 else None
            failed = ChangeOutcome(
                blamed.position if blamed else "",
                _field_of(blamed) if blamed else "",
                Result.FAILED,
                _error_line(exc),
            )
            error = f"{failed.position}:\n{traceback.format_exc()}"
            raise _ChangeFailed(parsed, failed, error, alone=blamed is not None) from exc
        by_position.update((outcome.position, outcome) for outcome in applied_outcomes)
    for event in events if isolated else ():
        with log_context.bound(organization=organization_of(event)):
            try:
                with transaction.atomic():
                    [outcome], done = _apply_set([event], delivery=delivery, templates=templates)
                effects.update(done)
                by_position[event.position] = outcome
            except Exception as exc:
                logger.exception("Change %s of delivery %s failed", event.position, delivery.pk)
                by_position[event.position] = ChangeOutcome(
                    event.position, _field_of(event), Result.FAILED, _error_line(exc)
                )
                errors.append(f"{event.position}:\n{traceback.format_exc()}")
                # The savepoint undid this change's writes, not the copies in memory: read again.
                templates = TemplateFinder.lock_for(events)
    outcomes = []
    for change in changes:
        if isinstance(change, IgnoredChange):
            logger.warning("Meta change %s ignored: %s", change.position, change.reason)
            outcomes.append(_ignored_outcome(change))
        else:
            outcomes.append(by_position[change.position])
    return outcomes, errors, dict(effects)


def _apply_set(
    events: Sequence[TemplateEvent], *, delivery: WebhookDelivery, templates: TemplateFinder
) -> tuple[list[ChangeOutcome], Counter[str]]:
    """Apply the events as one set: the templates' news, then the numbers' and accounts', each
    followed by its reaction list; the outcomes in no particular order, and what the reactions
    did (`changes.effects_of`)."""
    template_events = [event for event in events if not is_path_event(event)]
    path_events = [event for event in events if is_path_event(event)]
    outcomes: list[ChangeOutcome] = []
    effects: Counter[str] = Counter()
    if template_events:
        applied = apply_events(
            template_events,
            received_at=delivery.received_at,
            delivery_id=delivery.pk,
            templates=templates,
        )
        effects.update(effects_of(react_to_template_changes(applied.changes)))
        outcomes.extend(applied.outcomes)
    if path_events:
        path = apply_path_events(
            path_events, received_at=delivery.received_at, delivery_id=delivery.pk
        )
        effects.update(effects_of(react_to_sending_path_changes(path.changes)))
        outcomes.extend(path.outcomes)
    return outcomes, effects


def _field_of(event: Any) -> str:
    return str(event.field) if is_path_event(event) else field_of(event)


def _ignored_outcome(change: IgnoredChange) -> ChangeOutcome:
    return ChangeOutcome(change.position, change.field or "", Result.IGNORED, change.reason)


def _error_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def _merge(
    earlier: list[dict[str, Any]],
    outcomes: list[ChangeOutcome],
    *,
    order: Sequence[TemplateEvent | IgnoredChange],
) -> list[dict[str, Any]]:
    """Where each change stands: this attempt's outcome, else the one an earlier attempt left."""
    by_position = {outcome["position"]: outcome for outcome in earlier or []}
    by_position.update((outcome.position, outcome.as_json()) for outcome in outcomes)
    return [by_position[change.position] for change in order if change.position in by_position]


def _status_of(outcomes: list[dict[str, Any]]) -> WebhookDelivery.Status:
    results = {outcome["result"] for outcome in outcomes}
    if Result.FAILED in results:
        return WebhookDelivery.Status.FAILED
    if results - {Result.IGNORED}:
        return WebhookDelivery.Status.PROCESSED
    return WebhookDelivery.Status.IGNORED


def _finish_attempt(
    delivery: WebhookDelivery,
    status: WebhookDelivery.Status,
    *,
    outcomes: list[ChangeOutcome],
    error: str,
    effects: Mapping[str, int] | None = None,
) -> None:
    """Record one attempt: the delivery's status now, and a line appended to its history."""
    now = timezone.now()
    delivery.attempts += 1
    delivery.status = status
    delivery.error = error
    delivery.processed_at = now
    delivery.history = [
        *(delivery.history or []),
        _attempt(delivery.attempts, now, status, outcomes, error=error, effects=effects),
    ]
    delivery.save(update_fields=ATTEMPT_FIELDS)
    if status == WebhookDelivery.Status.PROCESSED:
        metrics.delivery_applied(seconds=(now - delivery.received_at).total_seconds())


def _attempt(
    number: int,
    at: datetime,
    status: WebhookDelivery.Status,
    outcomes: list[ChangeOutcome],
    *,
    error: str,
    effects: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """One line of a delivery's history, with what its reactions did (`EFFECTS`)."""
    return {
        "attempt": number,
        "at": at.isoformat(),
        "status": str(status),
        "outcomes": [outcome.as_json() for outcome in outcomes],
        "error": error,
        **dict.fromkeys(EFFECTS, 0),
        **(effects or {}),
    }


def _joined(values: Any) -> str:
    return ",".join(dict.fromkeys(value for value in values if value))[:200]


# Deliveries retention may delete: settled ones. Failed and waiting ones stay until applied.
PRUNABLE_STATUSES = DONE_STATUSES | {WebhookDelivery.Status.REJECTED}


def backlog() -> dict[str, Any]:
    """Deliveries waiting to be applied: how many, by status, and since when."""
    waiting = WebhookDelivery.objects.filter(status__in=WAITING_STATUSES)
    counts = dict(
        waiting.values_list("status").annotate(count=Count("pk")).values_list("status", "count")
    )
    oldest = waiting.order_by("received_at").values_list("received_at", flat=True).first()
    return {"counts": counts, "oldest_received_at": oldest}


def prune_deliveries(*, older_than: datetime, ignored_older_than: datetime | None = None) -> int:
    """Delete deliveries settled before `older_than`, ignored ones already before
    `ignored_older_than` when given; failed or pending ones stay. Returns how many."""
    prunable = Q(status__in=PRUNABLE_STATUSES, received_at__lt=older_than)
    if ignored_older_than is not None:
        prunable |= Q(status=WebhookDelivery.Status.IGNORED, received_at__lt=ignored_older_than)
    deleted, _ = WebhookDelivery.objects.filter(prunable).delete()
    return deleted
