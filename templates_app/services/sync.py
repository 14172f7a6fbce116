"""Reconciling our templates with Meta's Graph API: the sync.

A sync lists every page of the WABA's templates (the next page asked for while this one is
compared), compares each page with ours in one query and applies every difference as events
with source `sync` through the one state machine (`state_machine.apply_events`) and the reaction
list, so campaigns, audit, alerts and live updates react exactly as to a webhook. Each
observation is dated by the time of its request: a webhook with a newer event time still wins.
Each page's differences are one unit of work in one transaction, as a delivery's changes are:
its templates locked together, each changed template written once, the reaction list run once
for all their changes. If the set raises, each template is applied again in its own
transaction, so what was applied stays applied and what failed is retried by the next sync.
Only a complete listing marks the templates it lacks as deleted, in the same way. Counts come
from Meta's template analytics, asked for a few templates a request as each page arrives,
several requests at once (GraphClient bounds them), and written once the listing is done.
Fetching and comparing (`compare_page`) stay apart from applying (`apply_differences`); only the
caller's thread touches the database.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from pytake.crypto import SecretUnreadable, decrypt_secret
from pytake.db import insert_many
from pytake.exceptions import ApplicationError, ConflictError
from templates_app.changes import ChangeSource, react_to_template_changes
from templates_app.graph_client import (
    ANALYTICS_BATCH,
    GraphClient,
    GraphError,
    GraphRateLimited,
    GraphTokenInvalid,
    gather_points,
)
from templates_app.meta import StatusEvent, StatusUpdate, TemplateEvent, TemplateRef
from templates_app.meta.events import normalize_language
from templates_app.meta.graph import AnalyticsPoint, GraphTemplate, TemplatePage
from templates_app.models import BusinessAccount, SyncRun, TemplateStatus, WhatsAppTemplate
from templates_app.services import state_machine
from templates_app.services.accounts import mark_token_invalid
from templates_app.services.sending_path import refresh_sending_path_health
from templates_app.services.templates import canonical_language

logger = logging.getLogger(__name__)

T = TypeVar("T")

COUNTS_WINDOW = timedelta(days=30)
# A message not delivered yet may still be: only days older than this count as failures.
FAILURES_SETTLE_AFTER = timedelta(hours=48)
# A webhook naming an unknown template asks for a sync at most this often per account.
UNKNOWN_TEMPLATE_SYNC_COOLDOWN = timedelta(minutes=5)


@dataclass
class SyncTally:
    """What one sync did; copied onto its SyncRun."""

    pages: int = 0
    templates_seen: int = 0
    changes_applied: int = 0
    templates_created: int = 0
    templates_deleted: int = 0
    listing_complete: bool = False
    errors: list[str] = field(default_factory=list)


# --- asking for a sync --------------------------------------------------------------------------


def request_sync(
    *, account: BusinessAccount, trigger: SyncRun.Trigger = SyncRun.Trigger.USER
) -> SyncRun:
    """Queue a sync of `account` and run it as a task after commit.

    ApplicationError (400) when the account cannot sync (no token, token refused, released);
    ConflictError (409) while another sync of the account is queued or running.
    """
    _refuse_unsyncable(account)
    _give_up_stale_runs(account)
    try:
        with transaction.atomic():
            run = SyncRun.objects.create(business_account=account, trigger=trigger)
            transaction.on_commit(lambda: _enqueue(run.pk))
    except IntegrityError:
        raise ConflictError(
            "A sync of this business account is already queued or running.",
            extra={"business_account": ["A sync is already queued or running."]},
        ) from None
    return run


def request_scheduled_syncs() -> tuple[int, list[str]]:
    """Queue a sync of every account with a stored token (the scheduler's hourly job).

    Returns how many were queued and, for each account that could not sync, why.
    """
    requested, refused = 0, []
    accounts = BusinessAccount.objects.filter(
        released_at__isnull=True, token_status=BusinessAccount.TokenStatus.STORED
    )
    for account in accounts.order_by("waba_id"):
        try:
            request_sync(account=account, trigger=SyncRun.Trigger.SCHEDULE)
        except ApplicationError as exc:
            refused.append(f"{account.waba_id}: {exc.message}")
        else:
            requested += 1
    return requested, refused


def request_sync_after_unknown_template(*, account: BusinessAccount) -> SyncRun | None:
    """A webhook named a template we do not know: sync the account to learn it, unless the
    account cannot sync, a sync is already under way, or one was asked for moments ago."""
    if (
        account.released_at is not None
        or account.token_status != BusinessAccount.TokenStatus.STORED
    ):
        return None
    recent = timezone.now() - UNKNOWN_TEMPLATE_SYNC_COOLDOWN
    if SyncRun.objects.filter(
        Q(status__in=SyncRun.ACTIVE_STATUSES) | Q(requested_at__gte=recent),
        business_account=account,
    ).exists():
        return None
    try:
        return request_sync(account=account, trigger=SyncRun.Trigger.WEBHOOK)
    except ConflictError:
        return None


def _refuse_unsyncable(account: BusinessAccount) -> None:
    if account.released_at is not None:
        raise ApplicationError(
            "This business account was released: another organization proved it owns the WABA."
        )
    if not account.has_access_token:
        raise ApplicationError(
            "This business account has no Meta access token: store one to sync with Meta."
        )
    if account.token_status == BusinessAccount.TokenStatus.INVALID:
        raise ApplicationError(
            "Meta no longer accepts this business account's access token: store a new one."
        )


def _give_up_stale_runs(account: BusinessAccount) -> None:
    """A run left `running` by a worker that died would block the account forever."""
    cutoff = timezone.now() - timedelta(seconds=settings.TEMPLATE_SYNC_STALE_AFTER_SECONDS)
    SyncRun.objects.filter(
        Q(started_at__lt=cutoff) | Q(started_at__isnull=True, requested_at__lt=cutoff),
        business_account=account,
        status__in=SyncRun.ACTIVE_STATUSES,
    ).update(
        status=SyncRun.Status.FAILED,
        finished_at=timezone.now(),
        errors=["The sync did not finish in time; its worker probably stopped."],
    )


def _enqueue(run_id: int, *, run_after: datetime | None = None) -> None:
    from templates_app.tasks import sync_business_account

    task = sync_business_account.using(run_after=run_after) if run_after else sync_business_account
    task.enqueue(run_id)


# --- running it ---------------------------------------------------------------------------------


def run_sync(*, run_id: int) -> SyncRun:
    """Run a queued sync: every page, every difference, deletions after a complete listing,
    then Meta's counts. A run another worker already took is returned as it stands."""
    started = SyncRun.objects.filter(pk=run_id, status=SyncRun.Status.QUEUED).update(
        status=SyncRun.Status.RUNNING, started_at=timezone.now()
    )
    run = SyncRun.objects.select_related("business_account").get(pk=run_id)
    if not started:
        return run
    account = run.business_account
    tally = SyncTally()
    retry_after: float | None = None
    try:
        token = decrypt_secret(account.access_token_encrypted)
        with GraphClient(access_token=token) as graph:
            counts = CountsAsked(client=graph, waba_id=account.waba_id, now=timezone.now())
            sync_templates(account=account, client=graph, tally=tally, counts=counts)
            refresh_counts(account=account, client=graph, asked=counts)
            refresh_sending_path_health(account=account, client=graph)
    except GraphTokenInvalid as exc:
        tally.errors.append(f"Meta access token no longer works: {exc}. The sync stopped.")
        mark_token_invalid(account=account, error=exc)
    except GraphRateLimited as exc:
        retry_after = exc.retry_after
        tally.errors.append(
            f"Meta's rate limit: it asked us to wait {round(exc.retry_after)} s ({exc}). "
            "What was applied stays applied; the next sync retries the rest."
        )
    except GraphError as exc:
        tally.errors.append(f"Meta's Graph API failed: {exc}. The next sync retries.")
    except SecretUnreadable as exc:
        tally.errors.append(f"The stored access token cannot be decrypted: {exc}")
    _finish(run, tally)
    if retry_after is not None:
        _retry_later(account, seconds=retry_after)
    return run


def _finish(run: SyncRun, tally: SyncTally) -> None:
    run.status = SyncRun.Status.FAILED if tally.errors else SyncRun.Status.SUCCEEDED
    run.finished_at = timezone.now()
    run.pages = tally.pages
    run.templates_seen = tally.templates_seen
    run.changes_applied = tally.changes_applied
    run.templates_created = tally.templates_created
    run.templates_deleted = tally.templates_deleted
    run.listing_complete = tally.listing_complete
    run.errors = tally.errors
    run.save()
    if not tally.errors:
        BusinessAccount.objects.filter(pk=run.business_account_id).update(
            last_synced_at=run.finished_at
        )


def _retry_later(account: BusinessAccount, *, seconds: float) -> None:
    """Ask again once Meta's wait is over, if the task backend can wait; else the scheduled
    sync (the scheduler's hourly `sync_templates`) is the retry."""
    from templates_app.tasks import sync_business_account

    if not sync_business_account.get_backend().supports_defer:
        return
    try:
        with transaction.atomic():
            run = SyncRun.objects.create(business_account=account, trigger=SyncRun.Trigger.RETRY)
    except IntegrityError:
        return  # Someone asked for a sync meanwhile: it is the retry.
    _enqueue(run.pk, run_after=timezone.now() + timedelta(seconds=seconds))


def sync_templates(
    *,
    account: BusinessAccount,
    client: GraphClient,
    tally: SyncTally,
    counts: CountsAsked | None = None,
) -> None:
    """List every page of the account's templates and apply every difference; the next page is
    asked for while this one is compared and applied. With `counts`, each page's analytics are
    asked for as the page arrives, so they come in while the listing goes on.

    Raises GraphError when Meta stops answering; what was applied until then stays.
    """
    seen: set[str] = set()
    all_read = True
    # Each page is dated by the time it was asked for: a webhook dated later wins over it.
    for asked_at, page in client.template_pages_ahead(
        account.waba_id, limit=settings.GRAPH_API_PAGE_SIZE
    ):
        tally.pages += 1
        all_read &= not page.unreadable
        for position, reason in page.unreadable:
            tally.errors.append(f"Page {tally.pages}, {position}: {reason}")
        if counts is not None:
            counts.ask(listed.meta_template_id for listed in page.templates)
        tally.templates_seen += len(page.templates)
        seen.update(listed.meta_template_id for listed in page.templates)
        apply_differences(
            account, compare_page(account, page, asked_at=asked_at), asked_at=asked_at, tally=tally
        )
    # A template we could not read may be one we have: only a listing read whole is complete.
    tally.listing_complete = all_read
    if tally.listing_complete:
        _mark_gone(account, seen=seen, asked_at=timezone.now(), tally=tally)


@dataclass(frozen=True, slots=True)
class TemplateDifference:
    """A template Meta lists that ours does not match: the events that bring ours to Meta's."""

    listed: GraphTemplate
    # None: Meta lists a template we lack (its events are found once it is created).
    template: WhatsAppTemplate | None
    events: tuple[TemplateEvent, ...] = ()


def compare_page(
    account: BusinessAccount, page: TemplatePage, *, asked_at: datetime
) -> list[TemplateDifference]:
    """The page's templates that differ from ours, found with one query and compared in
    Python; a template that matches ours is left out."""
    ours = _ours_for_page(account, page.templates)
    found: list[TemplateDifference] = []
    for listed in page.templates:
        template = ours.get(listed.meta_template_id) or ours.get(_name_key(listed))
        if template is None:
            found.append(TemplateDifference(listed, None))
            continue
        events_found = differences(template, listed, waba_id=account.waba_id, asked_at=asked_at)
        # Found by name, it still has to learn Meta's id.
        if events_found or not template.meta_template_id:
            found.append(TemplateDifference(listed, template, tuple(events_found)))
    return found


def apply_differences(
    account: BusinessAccount,
    found: Iterable[TemplateDifference],
    *,
    asked_at: datetime,
    tally: SyncTally,
) -> None:
    """Apply a page's differences as one unit of work, in one transaction: the templates Meta
    lists that we lack created together, every event folded by one `apply_events` over the
    templates locked together, one run of the reaction list for all their changes.

    If applying them as a set raises, it is rolled back and each template is applied again in a
    transaction of its own: one that fails is counted as an error and retried by the next sync,
    without undoing the others.
    """
    found = list(found)
    if len(found) > 1:
        applied = _as_one_unit(
            lambda: _apply_as_set(account, found, asked_at=asked_at),
            what=f"{len(found)} differences of account {account.waba_id}",
        )
        if applied is not None:
            changes_applied, templates_created = applied
            tally.changes_applied += changes_applied
            tally.templates_created += templates_created
            return
    for difference in found:
        listed = difference.listed
        try:
            if difference.template is None:
                tally.changes_applied += _create_from_meta(account, listed, asked_at=asked_at)
                tally.templates_created += 1
            else:
                tally.changes_applied += _reconcile(
                    difference.template, difference, asked_at=asked_at
                )
        except Exception as exc:
            logger.exception("Sync of template %s failed", listed.meta_template_id)
            tally.errors.append(
                f"Template {listed.name} ({listed.language}), Meta id {listed.meta_template_id}: "
                f"{type(exc).__name__}: {exc}. The next sync retries it."
            )


def _as_one_unit(apply: Callable[[], T], *, what: str) -> T | None:
    """`apply()` in one transaction; None when it raised, everything it wrote rolled back, for
    the caller to apply its items one at a time (which records each one's error)."""
    try:
        with transaction.atomic():
            return apply()
    except Exception as exc:
        logger.warning(
            "Applying %s as a set failed (%s: %s); applying them one at a time",
            what,
            type(exc).__name__,
            exc,
        )
        return None


def _apply_as_set(
    account: BusinessAccount, found: list[TemplateDifference], *, asked_at: datetime
) -> tuple[int, int]:
    """The page's differences as one unit of work, in the caller's transaction; returns the
    changes applied and the templates created."""
    created = _create_all_from_meta(
        account,
        [difference.listed for difference in found if difference.template is None],
        asked_at=asked_at,
    )
    events: list[TemplateEvent] = []
    for difference in found:
        listed, template = difference.listed, difference.template
        if template is None:
            new = created[listed.meta_template_id]
            events += differences(new, listed, waba_id=account.waba_id, asked_at=asked_at)
            continue
        if not template.meta_template_id:
            _learn_meta_id(template, listed)
        events += difference.events
    return _apply(events, asked_at=asked_at), len(created)


def _name_key(listed: GraphTemplate) -> tuple[str, str]:
    return (listed.name, normalize_language(listed.language))


# What `differences` compares and a found template's id: a page's templates load nothing more.
COMPARED_FIELDS = (
    "meta_template_id",
    "name",
    "language",
    "status",
    "rejection_reason",
    "quality_score",
    "category",
    "components",
)


def _ours_for_page(
    account: BusinessAccount, listed: Iterable[GraphTemplate]
) -> dict[str | tuple[str, str], WhatsAppTemplate]:
    """The page's templates of ours, in one query: by Meta id, else (unnumbered) by name."""
    listed = list(listed)
    ids = [item.meta_template_id for item in listed]
    names = {item.name for item in listed}
    found: dict[str | tuple[str, str], WhatsAppTemplate] = {}
    for template in WhatsAppTemplate.objects.filter(
        Q(meta_template_id__in=ids) | Q(meta_template_id__isnull=True, name__in=names),
        business_account=account,
        deleted_at__isnull=True,
    ).only(*COMPARED_FIELDS):
        if template.meta_template_id:
            found[template.meta_template_id] = template
        else:
            found[(template.name, normalize_language(template.language))] = template
    return found


def differences(
    template: WhatsAppTemplate, listed: GraphTemplate, *, waba_id: str, asked_at: datetime
) -> list[TemplateEvent]:
    """The events that bring `template` to what Meta lists, one per dimension that differs."""
    found: list[TemplateEvent] = []
    if template.status != listed.status or (
        listed.status == StatusEvent.REJECTED
        and _rejection_code(template.rejection_reason) != (listed.rejected_reason or "")
    ):
        found.append(listed.status_update(waba_id=waba_id, occurred_at=asked_at))
    if listed.quality is not None and template.quality_score != listed.quality:
        found.append(listed.quality_update(waba_id=waba_id, occurred_at=asked_at, previous=None))
    if listed.category and template.category != listed.category:
        found.append(
            listed.category_update(
                waba_id=waba_id, occurred_at=asked_at, previous=template.category or None
            )
        )
    if _comparable(template.components) != _comparable(listed.components):
        found.append(listed.components_update(waba_id=waba_id, occurred_at=asked_at))
    return found


def _rejection_code(rejection_reason: str) -> str:
    """Our rejection reason starts with Meta's code ("INVALID_FORMAT: details…")."""
    return rejection_reason.split(":", 1)[0].strip()


def _comparable(components: object) -> dict:
    """Components as both sources store them: empty parts left out."""
    if not isinstance(components, dict):
        return {}
    return {key: value for key, value in components.items() if value not in (None, "", [])}


def _learn_meta_id(template: WhatsAppTemplate, listed: GraphTemplate) -> None:
    """Found by name: it learns Meta's id, so the next sync finds it by id."""
    WhatsAppTemplate.objects.filter(pk=template.pk, meta_template_id__isnull=True).update(
        meta_template_id=listed.meta_template_id
    )


def _reconcile(
    template: WhatsAppTemplate, difference: TemplateDifference, *, asked_at: datetime
) -> int:
    """One found template's differences in a transaction of their own; the changes applied."""
    with transaction.atomic():
        if not template.meta_template_id:
            _learn_meta_id(template, difference.listed)
        return _apply(difference.events, asked_at=asked_at)


def _apply(found: Iterable[TemplateEvent], *, asked_at: datetime) -> int:
    """Events as one unit of work, as a delivery's are: their templates locked together, folded
    by the state machine, then the reaction list once for all their changes. Returns the
    changes applied."""
    found = list(found)
    if not found:
        return 0
    applied = state_machine.apply_events(
        found,
        received_at=asked_at,
        source=ChangeSource.SYNC,
        templates=state_machine.TemplateFinder.lock_for(found),
    )
    react_to_template_changes(applied.changes)
    return sum(outcome.result is state_machine.Result.APPLIED for outcome in applied.outcomes)


def _create_from_meta(
    account: BusinessAccount, listed: GraphTemplate, *, asked_at: datetime
) -> int:
    """A template Meta lists that we lack, in a transaction of its own; the changes applied."""
    with transaction.atomic():
        [template] = _create_all_from_meta(account, [listed], asked_at=asked_at).values()
        return _apply(
            differences(template, listed, waba_id=account.waba_id, asked_at=asked_at),
            asked_at=asked_at,
        )


def _create_all_from_meta(
    account: BusinessAccount, listed: list[GraphTemplate], *, asked_at: datetime
) -> dict[str, WhatsAppTemplate]:
    """Templates Meta lists that we lack, created together as PENDING, by Meta id. The caller
    brings each to Meta's state through the state machine (as a webhook's creating event does),
    so the reactions hear of it."""
    if not listed:
        return {}
    # Meta lets a deleted template's name be used again, under a new id, as the state machine
    # does.
    namesakes = Q()
    for item in listed:
        namesakes |= Q(name=item.name, language__iexact=canonical_language(item.language))
    WhatsAppTemplate.objects.filter(
        namesakes,
        business_account=account,
        deleted_at__isnull=True,
        status=TemplateStatus.DELETED,
    ).update(deleted_at=asked_at)
    numbers = list(account.phone_numbers.all()[:2])
    created = insert_many(
        [
            WhatsAppTemplate(
                organization_id=account.organization_id,
                business_account=account,
                # A WABA with one number sends from it; with several, nobody knows which.
                phone_number=numbers[0] if len(numbers) == 1 else None,
                meta_template_id=item.meta_template_id,
                name=item.name,
                language=canonical_language(item.language),
                category=item.category,
                pending_since=asked_at,
            )
            for item in listed
        ]
    )
    return {template.meta_template_id: template for template in created}


def _mark_gone(
    account: BusinessAccount, *, seen: set[str], asked_at: datetime, tally: SyncTally
) -> None:
    """Templates Meta numbered that a complete listing no longer holds: Meta deleted them.

    Marked deleted a page's worth at a time, each batch one unit of work as a page's
    differences are; if a batch raises, each of its templates is marked in its own transaction.
    """
    live = WhatsAppTemplate.objects.filter(
        business_account=account, deleted_at__isnull=True, meta_template_id__isnull=False
    ).exclude(status=TemplateStatus.DELETED)
    gone = [
        StatusUpdate(
            waba_id=account.waba_id,
            template=TemplateRef(meta_id, name, language),
            occurred_at=asked_at,
            position=f"graph:{meta_id}",
            event=StatusEvent.DELETED,
        )
        for meta_id, name, language in live.values_list("meta_template_id", "name", "language")
        if meta_id not in seen
    ]
    batch = settings.GRAPH_API_PAGE_SIZE
    for offset in range(0, len(gone), batch):
        events = gone[offset : offset + batch]
        if len(events) > 1:
            deleted = _as_one_unit(
                partial(_apply, events, asked_at=asked_at),
                what=f"{len(events)} deletions of account {account.waba_id}",
            )
            if deleted is not None:
                tally.changes_applied += deleted
                tally.templates_deleted += deleted
                continue
        for event in events:
            ref = event.template
            try:
                with transaction.atomic():
                    deleted = _apply([event], asked_at=asked_at)
            except Exception as exc:
                logger.exception("Marking template %s deleted failed", ref.meta_template_id)
                tally.errors.append(
                    f"Template {ref.name} ({ref.language}), Meta id {ref.meta_template_id}: {exc}"
                )
                continue
            tally.changes_applied += deleted
            tally.templates_deleted += deleted


# --- counts -------------------------------------------------------------------------------------


class CountsAsked:
    """Meta's counts of the last 30 days until `now`, asked for a few templates a request as
    their ids become known (each page of a listing), answered on the client's worker threads."""

    def __init__(self, *, client: GraphClient, waba_id: str, now: datetime) -> None:
        self.client = client
        self.waba_id = waba_id
        self.now = now
        self._asked: set[str] = set()
        # Ids not asked for yet: a request is sent once it can carry a full batch.
        self._waiting: list[str] = []
        self._answers: list[Future[list[AnalyticsPoint]]] = []

    def ask(self, template_ids: Iterable[str]) -> None:
        new = [meta_id for meta_id in dict.fromkeys(template_ids) if meta_id not in self._asked]
        self._asked.update(new)
        self._waiting.extend(new)
        full = len(self._waiting) - len(self._waiting) % ANALYTICS_BATCH
        self._send(self._waiting[:full])
        del self._waiting[:full]

    def points(self) -> list[AnalyticsPoint]:
        """Every point asked for; raises the GraphError of the first request that failed."""
        self._send(self._waiting)
        self._waiting = []
        return gather_points(self._answers)

    def _send(self, template_ids: list[str]) -> None:
        self._answers.extend(
            self.client.ask_template_analytics(
                self.waba_id,
                template_ids=template_ids,
                start=self.now - COUNTS_WINDOW,
                end=self.now,
            )
        )


def refresh_counts(
    *,
    account: BusinessAccount,
    client: GraphClient,
    now: datetime | None = None,
    asked: CountsAsked | None = None,
) -> int:
    """Sent, delivered, read and failed counts of the last 30 days from Meta's analytics,
    asked for on the client's worker threads, a few templates a request.

    `failed_count` is sent minus delivered over the days that ended more than 48 hours ago:
    a younger message may still be delivered. `asked` holds what was asked for already (during
    the listing); the account's other templates are asked for here. Returns the number of
    templates updated.
    """
    if asked is None:
        asked = CountsAsked(client=client, waba_id=account.waba_id, now=now or timezone.now())
    now = asked.now
    templates = list(
        WhatsAppTemplate.objects.filter(
            business_account=account, deleted_at__isnull=True, meta_template_id__isnull=False
        ).only(
            "pk", "meta_template_id", "sent_count", "delivered_count", "read_count", "failed_count"
        )
    )
    if not templates:
        return 0
    asked.ask(template.meta_template_id for template in templates)
    counts = counts_from_points(asked.points(), now=now)
    changed = []
    for template in templates:
        new = counts.get(template.meta_template_id, (0, 0, 0, 0))
        old = (
            template.sent_count,
            template.delivered_count,
            template.read_count,
            template.failed_count,
        )
        if new != old:
            (template.sent_count, template.delivered_count, template.read_count) = new[:3]
            template.failed_count = new[3]
            template.counts_updated_at = now
            changed.append(template)
    with transaction.atomic():
        _write_counts(changed, at=now)
    return len(changed)


# Rows per UPDATE of counts (five parameters each, well within every backend's limit).
COUNTS_BATCH = 1000


def _write_counts(changed: list[WhatsAppTemplate], *, at: datetime) -> None:
    """One UPDATE … FROM (VALUES …) per batch: `bulk_update`'s CASE per column and row costs
    the database time that grows with the square of the batch (seconds for 5,000 templates)."""
    table = connection.ops.quote_name(WhatsAppTemplate._meta.db_table)
    primary_key = WhatsAppTemplate._meta.pk
    for offset in range(0, len(changed), COUNTS_BATCH):
        batch = changed[offset : offset + COUNTS_BATCH]
        rows = ", ".join(["(%s, %s, %s, %s, %s)"] * len(batch))
        params: list[object] = []
        for template in batch:
            params += [
                primary_key.get_db_prep_value(template.pk, connection),
                template.sent_count,
                template.delivered_count,
                template.read_count,
                template.failed_count,
            ]
        params.append(at)
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH counted (id, sent, delivered, seen, failed) AS (VALUES {rows}) "
                f"UPDATE {table} SET sent_count = CAST(counted.sent AS BIGINT), "
                "delivered_count = CAST(counted.delivered AS BIGINT), "
                "read_count = CAST(counted.seen AS BIGINT), "
                "failed_count = CAST(counted.failed AS BIGINT), counts_updated_at = %s "
                f"FROM counted WHERE {table}.id = counted.id",
                params,
            )


def counts_from_points(
    points: Iterable[AnalyticsPoint], *, now: datetime
) -> dict[str, tuple[int, int, int, int]]:
    """(sent, delivered, read, failed) per Meta template id."""
    settled_before = now - FAILURES_SETTLE_AFTER
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for point in points:
        total = totals[point.template_id]
        total[0] += point.sent
        total[1] += point.delivered
        total[2] += point.read
        if point.end <= settled_before:
            total[3] += max(point.sent - point.delivered, 0)
    return {template_id: tuple(total) for template_id, total in totals.items()}  # type: ignore[misc]
