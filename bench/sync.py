"""Sync one WABA of 5,000 templates (50 pages of 100) from a local Graph API stand-in.

    .venv/bin/python -m bench sync
    BENCH_PROFILE=/tmp/sync.prof .venv/bin/python -m bench sync   # also a cProfile of one run

The stand-in serves Meta's shapes over HTTP on 127.0.0.1 from a thread of this process.
Measured: a sync where nothing changed and one where 500 templates changed (250 paused, 250
turned RED), wall time and queries; then the analytics refresh (500 requests of 10 templates).
"""

from __future__ import annotations

import os
import threading
import time

TEMPLATES = 5_000
CHANGED = 500
PAGE_SIZE = 100
TOKEN = "bench-token"


def run() -> None:
    from cryptography.fernet import Fernet
    from django.conf import settings

    # The bench token is encrypted like any other, with a key of its own.
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode()]
    _run()


def _run() -> None:
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from organizations.models import Organization
    from templates_app.graph_client import GraphClient
    from templates_app.graph_stand_in import GraphStandIn
    from templates_app.management.commands.fake_graph_api import make_server
    from templates_app.meta.graph import components_of, graph_template
    from templates_app.models import BusinessAccount, PhoneNumber, WhatsAppTemplate
    from templates_app.services.accounts import store_access_token
    from templates_app.services.sync import SyncTally, refresh_counts, sync_templates

    organization = Organization.objects.create(name="Bench", slug="bench-sync")
    account = BusinessAccount.objects.create(
        organization=organization, waba_id="990000000000101", name="Bench WABA"
    )
    store_access_token(account=account, access_token=TOKEN)
    number = PhoneNumber.objects.create(
        business_account=account, phone_number_id="990000000000102", display_phone_number="+1"
    )
    listing = [
        graph_template(
            meta_template_id=str(9_900_000_000_000_000 + n),
            name=f"bench_{n:05d}",
            language="en_US",
            status="APPROVED",
            category="UTILITY",
            quality="GREEN",
        )
        for n in range(TEMPLATES)
    ]
    WhatsAppTemplate.objects.bulk_create(
        (
            WhatsAppTemplate(
                organization=organization,
                business_account=account,
                phone_number=number,
                meta_template_id=item["id"],
                name=item["name"],
                language="en_US",
                category="UTILITY",
                status="APPROVED",
                quality_score="GREEN",
                components=components_of(item["components"]),
            )
            for item in listing
        ),
        batch_size=1000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE templates_app_whatsapptemplate")

    stand_in = GraphStandIn(access_token=TOKEN, templates={account.waba_id: listing})
    stand_in.daily_counts = {item["id"]: [(3, 10, 9, 5)] for item in listing}
    server = make_server("127.0.0.1", 0, stand_in, lambda: stand_in.templates)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.GRAPH_API_BASE_URL = stand_in.base_url
    settings.GRAPH_API_PAGE_SIZE = PAGE_SIZE
    print(
        f"{TEMPLATES:,} templates, {TEMPLATES // PAGE_SIZE} pages of {PAGE_SIZE}, stand-in on "
        f"{stand_in.base_url} (same process)\n"
    )

    def sync(*, capture: bool) -> tuple[float, SyncTally, int]:
        tally = SyncTally()
        started = time.perf_counter()
        with GraphClient(access_token=TOKEN) as client:
            if capture:
                with CaptureQueriesContext(connection) as queries:
                    sync_templates(account=account, client=client, tally=tally)
                count = len(queries.captured_queries)
            else:
                sync_templates(account=account, client=client, tally=tally)
                count = -1
        return time.perf_counter() - started, tally, count

    def report(label: str) -> None:
        # Timed without capturing (capturing formats every statement); queries counted apart.
        elapsed, tally, _ = sync(capture=False)
        _, _, queries = sync(capture=True)
        assert not tally.errors, tally.errors
        print(f"{label}:")
        print(
            f"  wall {elapsed:.2f} s, {tally.pages} pages, {tally.templates_seen:,} seen, "
            f"{tally.changes_applied} changes applied"
        )
        print(f"  queries on the second run of the same listing: {queries}")

    # Nothing changed: timed run, then a counted run of the same listing.
    report("Nothing changed")

    def change(*, status: str, quality: str) -> None:
        for n, item in enumerate(listing[:CHANGED]):
            if n % 2:
                item["quality_score"] = {"score": quality, "date": 1767225600}
            else:
                item["status"] = status

    # 500 changed, timed; then changed back, with the queries counted.
    change(status="PAUSED", quality="RED")
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        cProfile.runctx("sync(capture=False)", globals(), locals(), os.environ["BENCH_PROFILE"])
        change(status="APPROVED", quality="GREEN")
        sync(capture=False)
        change(status="PAUSED", quality="RED")
    elapsed, tally, _ = sync(capture=False)
    assert tally.changes_applied == CHANGED and not tally.errors, tally
    change(status="APPROVED", quality="GREEN")
    _, back, queries = sync(capture=True)
    assert back.changes_applied == CHANGED and not back.errors, back
    print(f"{CHANGED} changed ({CHANGED // 2} paused, {CHANGED // 2} turned RED):")
    print(
        f"  wall {elapsed:.2f} s, {tally.changes_applied} changes applied, each template in its "
        "own transaction"
    )
    print(
        f"  queries when the same {CHANGED} change back: {queries:,} "
        f"({queries / CHANGED:.1f} per changed template)"
    )

    with GraphClient(access_token=TOKEN) as client:
        started = time.perf_counter()
        updated = refresh_counts(account=account, client=client)
        elapsed = time.perf_counter() - started
        requests = client.requests_made
    print("Counts from template analytics (10 templates per request, as Meta allows):")
    print(f"  wall {elapsed:.2f} s, {requests} requests, {updated:,} templates updated")
    server.shutdown()
