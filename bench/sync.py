"""Sync one WABA of 5,000 templates from a local Graph API stand-in that answers like Meta.

    .venv/bin/python -m bench sync
    BENCH_GRAPH_DELAY_MS=0 .venv/bin/python -m bench sync     # a stand-in without latency
    BENCH_PROFILE=/tmp/sync.prof .venv/bin/python -m bench sync   # also a cProfile of one sync

The stand-in (templates_app.graph_stand_in, served over HTTP on 127.0.0.1) runs in a process of
its own and answers each request after BENCH_GRAPH_DELAY_MS (50 by default), so the CPU time
measured here is ours alone. A whole sync is `run_sync` of a queued SyncRun, as the task runs
it: every listing page, every difference applied, then Meta's counts (template analytics, 10
templates a request). Measured: nothing changed, then 500 changed (250 paused, 250 turned RED),
then the same 500 changed back; each with the requests the stand-in answered, wall time, our
process's CPU time and the statements sent.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

TEMPLATES = 5_000
CHANGED = 500
TOKEN = "bench-token"
DELAY_SECONDS = int(os.environ.get("BENCH_GRAPH_DELAY_MS", "50")) / 1000


def run() -> None:
    from cryptography.fernet import Fernet
    from django.conf import settings

    # The bench token is encrypted like any other, with a key of its own.
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode()]
    _run()


def _serve(listing: dict[str, list[dict[str, Any]]], delay: float, port, answered) -> None:
    """The stand-in's process: serve `listing` until terminated, counting the answers."""
    from templates_app.graph_stand_in import GraphStandIn
    from templates_app.management.commands.fake_graph_api import make_server

    stand_in = GraphStandIn(access_token=TOKEN, templates=listing, delay=delay)
    stand_in.daily_counts = {
        item["id"]: [(3, 10, 9, 5)] for items in listing.values() for item in items
    }
    respond = stand_in.respond

    def counted(**request: Any):
        with answered.get_lock():
            answered.value += 1
        return respond(**request)

    stand_in.respond = counted  # type: ignore[method-assign]
    server = make_server("127.0.0.1", 0, stand_in, lambda: stand_in.templates)
    port.value = server.server_address[1]
    server.serve_forever()


@contextmanager
def stand_in_process(listing: dict[str, list[dict[str, Any]]]) -> Iterator[Any]:
    """A Graph stand-in serving `listing` from a forked process; yields its answer counter."""
    from django.conf import settings

    context = multiprocessing.get_context("fork")
    port, answered = context.Value("i", 0), context.Value("i", 0)
    process = context.Process(
        target=_serve, args=(listing, DELAY_SECONDS, port, answered), daemon=True
    )
    process.start()
    while not port.value:
        time.sleep(0.01)
    settings.GRAPH_API_BASE_URL = f"http://127.0.0.1:{port.value}"
    try:
        yield answered
    finally:
        process.terminate()  # SIGTERM: no finalizer of the child touches our connections
        process.join()


def _run() -> None:
    from django.db import connection

    from bench.support import count_queries
    from organizations.models import Organization
    from templates_app.meta.graph import components_of, graph_template
    from templates_app.models import BusinessAccount, PhoneNumber, SyncRun, WhatsAppTemplate
    from templates_app.services.accounts import store_access_token
    from templates_app.services.sync import run_sync

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

    def change(*, status: str, quality: str) -> None:
        for n, item in enumerate(listing[:CHANGED]):
            if n % 2:
                item["quality_score"] = {"score": quality, "date": 1767225600}
            else:
                item["status"] = status

    def whole_sync(label: str) -> None:
        with stand_in_process({account.waba_id: listing}) as answered:
            run = SyncRun.objects.create(business_account=account)
            wall, cpu = time.perf_counter(), time.process_time()
            statements = count_queries(lambda: run_sync(run_id=run.pk))
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            requests = answered.value
        run.refresh_from_db()
        assert run.status == SyncRun.Status.SUCCEEDED, run.errors
        print(
            f"  {label:<22} {requests:>5} requests {wall:>6.2f} s wall {cpu:>6.2f} s CPU "
            f"{statements:>6,} statements  {run.pages} pages, {run.changes_applied} applied"
        )

    print(
        f"{TEMPLATES:,} templates; the stand-in (its own process) answers each request after "
        f"{DELAY_SECONDS * 1000:.0f} ms.\nWhole syncs (listing, differences applied, counts):"
    )
    whole_sync("nothing changed")
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        change(status="PAUSED", quality="RED")
        with cProfile.Profile() as profile:
            whole_sync("500 changed (profiled)")
        profile.dump_stats(os.environ["BENCH_PROFILE"])
        change(status="APPROVED", quality="GREEN")
        whole_sync("500 changed back")
    change(status="PAUSED", quality="RED")
    whole_sync(f"{CHANGED} changed")
    change(status="APPROVED", quality="GREEN")
    whole_sync(f"{CHANGED} changed back")
    whole_sync("nothing changed again")
