"""The monitoring endpoints over 100,000 templates in 50 organizations.

    .venv/bin/python -m bench monitoring                  # alone (also run by `make bench`)
    BENCH_EXPLAIN=1 .venv/bin/python -m bench monitoring  # with EXPLAIN ANALYZE of each query,
                                                          # without and with the monitoring indexes

One organization holds 50,000 templates, one 2,000, the 48 others 1,000 each, filled with COPY;
each template has campaigns, audit entries and alerts in proportion to its state. Each endpoint
is called through the whole Django stack (middleware, authentication, filters, serializers):
once to count its queries, then ROUNDS times for the median. In a scratch database the tables
are vacuumed first, as autovacuum would have done in production; in a rolled-back transaction
they can only be analyzed, and index-only scans must then visit the rows.
"""

from __future__ import annotations

import os
import random
import statistics
import time
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

ROUNDS = 15
BIG, MID, OTHER = 50_000, 2_000, 1_000
ORGANIZATIONS = 50
TEMPLATES_PER_ACCOUNT = 1_000
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

# Meta's verdicts in proportion: most templates approved, a few in each kind of trouble.
STATUS_WEIGHTS = {
    "APPROVED": 78,
    "PENDING": 5,
    "REJECTED": 4,
    "PAUSED": 3,
    "DISABLED": 2,
    "FLAGGED": 2,
    "LOCKED": 0.5,
    "LIMIT_EXCEEDED": 0.5,
    "IN_APPEAL": 1,
    "DELETED": 2,
    "ARCHIVED": 2,
}
QUALITY_WEIGHTS = {"GREEN": 60, "YELLOW": 20, "RED": 8, "UNKNOWN": 12}
CAMPAIGN_STATUSES = ["DRAFT", "SCHEDULED", "ACTIVE", "COMPLETED", "CANCELLED"]

# The indexes the monitoring reads added (templates_app 0004, audit 0004): dropped for "before".
MONITORING_INDEXES = [
    "template_org_live_status_idx",
    "template_org_live_name_idx",
    "audit_org_action_event_idx",
]


def run() -> None:
    from django.db import connection
    from django.test import override_settings

    started = time.perf_counter()
    scenarios = _generate()
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            cursor.execute("ANALYZE")
        else:
            cursor.execute("VACUUM ANALYZE")
    print(f"Generated and analyzed in {time.perf_counter() - started:.0f} s.", flush=True)
    # As production runs: without DEBUG, which keeps every query in memory.
    with override_settings(DEBUG=False):
        _measure(scenarios, explain=bool(os.environ.get("BENCH_EXPLAIN")))


# --- data ------------------------------------------------------------------------------------


def _generate() -> list[tuple[str, Any, dict[str, str]]]:
    from organizations.models import Organization, User

    rng = random.Random(11)
    sizes = [BIG, MID] + [OTHER] * (ORGANIZATIONS - 2)
    organizations = [
        Organization(name=f"Monitored {n}", slug=f"bench-monitoring-{n}")
        for n in range(ORGANIZATIONS)
    ]
    _copy(Organization, organizations)
    counts = dict.fromkeys(("templates", "campaigns", "audit entries", "alerts"), 0)
    for number, (organization, size) in enumerate(zip(organizations, sizes, strict=True)):
        for kind, count in _organization_rows(rng, number, organization, size).items():
            counts[kind] += count
    print(", ".join(f"{count:,} {kind}" for kind, count in counts.items()))

    admin = User.objects.create(
        username="bench-monitoring-admin", organization=organizations[1], role=User.Role.ORG_ADMIN
    )
    super_admin = User.objects.create(
        username="bench-monitoring-root", is_superuser=True, is_staff=True
    )
    big = {"organization": str(organizations[0].pk)}
    return [
        (f"org admin, one organization of {MID:,} templates", admin, {}),
        (f"super admin, ?organization= one of {BIG:,} templates", super_admin, big),
    ]


def _organization_rows(
    rng: random.Random, number: int, organization: Any, size: int
) -> dict[str, int]:
    from alerts.models import Alert
    from audit.models import AuditLog
    from campaigns.models import Campaign
    from templates_app.models import BusinessAccount, PhoneNumber, WhatsAppTemplate

    accounts = [
        BusinessAccount(
            organization=organization, waba_id=f"{number:03d}{a:06d}", name=f"WABA {number}-{a}"
        )
        for a in range(max(1, size // TEMPLATES_PER_ACCOUNT))
    ]
    numbers = [
        PhoneNumber(
            business_account=account,
            phone_number_id=f"{account.waba_id}{n}",
            display_phone_number=f"+1 555 {account.waba_id}{n}",
        )
        for account in accounts
        for n in range(2)
    ]
    _copy(BusinessAccount, accounts)
    _copy(PhoneNumber, numbers)

    templates = [_template(rng, organization, numbers, n) for n in range(size)]
    _copy(WhatsAppTemplate, templates)
    campaigns = list(_campaigns(rng, templates))
    _copy(Campaign, campaigns)
    audit = list(_audit_entries(rng, templates))
    _copy(AuditLog, audit)
    alerts = list(_alerts(rng, templates))
    _copy(Alert, alerts)
    return {
        "templates": len(templates),
        "campaigns": len(campaigns),
        "audit entries": len(audit),
        "alerts": len(alerts),
    }


def _template(rng: random.Random, organization: Any, numbers: list, n: int) -> Any:
    from templates_app.models import WhatsAppTemplate

    number = numbers[n % len(numbers)]
    status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
    quality = rng.choices(list(QUALITY_WEIGHTS), weights=list(QUALITY_WEIGHTS.values()))[0]
    changed = NOW - timedelta(minutes=rng.randrange(60 * 24 * 90))
    sent = rng.choice((0, 0, rng.randrange(1, 100_000)))
    return WhatsAppTemplate(
        id=uuid.uuid4(),
        organization=organization,
        business_account_id=number.business_account_id,
        # Learned templates (made in Meta's manager) have no number.
        phone_number=number if n % 5 else None,
        meta_template_id=f"{n:016d}",
        name=f"template_{n:06d}",
        language=rng.choice(("en_US", "pt_BR", "es")),
        category=rng.choice(("MARKETING", "UTILITY", "AUTHENTICATION")),
        status=status,
        quality_score=quality,
        disabled_reason="SCAM" if status == "DISABLED" else "",
        disabled_at=changed if status == "DISABLED" else None,
        paused_at=changed if status == "PAUSED" else None,
        paused_title="FIRST_PAUSE" if status == "PAUSED" else "",
        rejection_reason="INVALID_FORMAT" if status == "REJECTED" else "",
        pending_since=changed if status == "PENDING" else None,
        status_event_at=changed,
        quality_event_at=changed - timedelta(hours=rng.randrange(1, 500)),
        sent_count=sent,
        failed_count=rng.randrange(sent // 10 + 1) if sent else 0,
        created_at=changed - timedelta(days=rng.randrange(1, 365)),
        updated_at=changed,
        deleted_at=changed if rng.random() < 0.01 else None,
    )


def _campaigns(rng: random.Random, templates: list) -> Iterator[Any]:
    from campaigns.models import Campaign
    from templates_app.models import BLOCKED_STATUSES

    for template in templates:
        for n in range(rng.choice((0, 1, 1, 2, 3))):
            blocked = template.status in BLOCKED_STATUSES
            status = "PAUSED" if blocked and n == 0 else rng.choice(CAMPAIGN_STATUSES)
            yield Campaign(
                id=uuid.uuid4(),
                organization_id=template.organization_id,
                template=template,
                name=f"{template.name} campaign {n}",
                status=status,
                paused_by_template=status == "PAUSED",
                created_at=template.created_at,
                updated_at=template.updated_at,
            )


def _audit_entries(rng: random.Random, templates: list) -> Iterator[Any]:
    from audit.models import AuditLog

    for template in templates:
        common = {
            "organization_id": template.organization_id,
            "actor_type": AuditLog.ActorType.META,
            "target_type": "template",
            "target_id": str(template.pk),
            "target_name": f"{template.name} ({template.language})",
        }
        yield AuditLog(
            action="template.status_changed",
            changes={"status": ["PENDING", template.status]},
            event_at=template.status_event_at,
            created_at=template.status_event_at,
            **common,
        )
        for _ in range(rng.choice((0, 1, 1, 2))):
            yield AuditLog(
                action="template.quality_changed",
                changes={"quality_score": ["GREEN", template.quality_score]},
                event_at=template.quality_event_at,
                created_at=template.quality_event_at,
                **common,
            )


def _alerts(rng: random.Random, templates: list) -> Iterator[Any]:
    from alerts.models import Alert

    kinds = [
        Alert.Kind.TEMPLATE_PAUSED,
        Alert.Kind.TEMPLATE_QUALITY_RED,
        Alert.Kind.TEMPLATE_DISABLED,
    ]
    for template in templates:
        troubled = template.status in ("DISABLED", "PAUSED", "FLAGGED", "LOCKED")
        if not troubled and template.quality_score != "RED":
            continue
        # One or two alerts, of different kinds: a template has one open alert per kind.
        statuses = rng.sample(["OPEN", "ACKNOWLEDGED", "RESOLVED"], rng.randrange(1, 3))
        for kind, status in zip(kinds, statuses, strict=False):
            yield Alert(
                organization_id=template.organization_id,
                template=template,
                kind=kind,
                severity=Alert.Severity.CRITICAL,
                status=status,
                created_at=template.status_event_at,
            )


def _copy(model: Any, objects: Iterable[Any]) -> None:
    """Insert `objects` with COPY: what `bulk_create` would write, at COPY's speed."""
    from django.db import connection, models

    fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for obj in objects:
            copy.write_row([f.get_db_prep_save(_value(obj, f), connection) for f in fields])


def _value(obj: Any, field: Any) -> Any:
    """The field's value; a timestamp left empty gets what auto_now(_add) would give it."""
    value = getattr(obj, field.attname)
    return field.pre_save(obj, True) if value is None and _is_auto_time(field) else value


def _is_auto_time(field: Any) -> bool:
    return getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)


# --- measurements ----------------------------------------------------------------------------


ENDPOINTS = [
    ("critical", "/api/v1/whatsapp/templates/critical", {}),
    ("quality-summary", "/api/v1/whatsapp/templates/quality-summary", {}),
    ("list, first page by name", "/api/v1/whatsapp/templates/", {}),
    (
        "list ?needs_attention=true&ordering=-last_change",
        "/api/v1/whatsapp/templates/",
        {"needs_attention": "true", "ordering": "-last_change"},
    ),
    (
        "list ?status=APPROVED&status=FLAGGED&quality=RED&search=template_001",
        "/api/v1/whatsapp/templates/",
        {"status": ["APPROVED", "FLAGGED"], "quality": "RED", "search": "template_001"},
    ),
]


def _measure(scenarios: list, *, explain: bool) -> None:
    import time_machine
    from django.db import connection, transaction

    print(f"{ROUNDS} rounds each: median (min to max), queries per request\n")
    with time_machine.travel(NOW, tick=True):
        for label, user, params in scenarios:
            print(label)
            for name, url, extra in ENDPOINTS:
                _measure_endpoint(name, url, user, {**extra, **params}, explain=explain)
            print()
        if not explain:
            return
        # The same requests without the indexes the monitoring reads added, rolled back after.
        with transaction.atomic(), connection.cursor() as cursor:
            for index in MONITORING_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {index}")
            for label, user, params in scenarios:
                print(f"{label}, WITHOUT the monitoring indexes")
                for name, url, extra in ENDPOINTS:
                    _measure_endpoint(name, url, user, {**extra, **params}, explain=False)
                print()
            transaction.set_rollback(True)


def _measure_endpoint(name: str, url: str, user: Any, params: dict, *, explain: bool) -> None:
    from django.db import connection
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    queries: list[tuple[str, Any]] = []

    def record(execute, sql, sql_params, many, context):
        queries.append((sql, sql_params))
        return execute(sql, sql_params, many, context)

    with connection.execute_wrapper(record):
        response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        client.get(url, params)
        times.append((time.perf_counter() - started) * 1000)
    print(
        f"  {name:<70} {statistics.median(times):6.1f} ms "
        f"({min(times):.1f} to {max(times):.1f}), {len(queries)} queries"
    )
    if explain:
        for sql, sql_params in queries:
            _explain(sql, sql_params)


def _explain(sql: str, params: Any) -> None:
    """EXPLAIN ANALYZE one query without the monitoring indexes, then with them."""
    from django.db import connection, transaction

    if not sql.lstrip().upper().startswith("SELECT"):
        return
    print(f"\n    {sql[:200]}{'…' if len(sql) > 200 else ''}")
    for label, drop in (("before (without the monitoring indexes)", True), ("after", False)):
        with transaction.atomic(), connection.cursor() as cursor:
            if drop:
                for index in MONITORING_INDEXES:
                    cursor.execute(f"DROP INDEX IF EXISTS {index}")
            cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) {sql}", params)
            plan = [row[0] for row in cursor.fetchall()]
            transaction.set_rollback(True)
        print(f"    -- {label}:")
        for line in plan:
            print(f"       {line[:160]}")
    print()
