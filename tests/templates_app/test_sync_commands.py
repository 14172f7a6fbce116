"""`manage.py sync_templates` and the demo's Graph stand-in, `manage.py fake_graph_api`."""

from __future__ import annotations

import json
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from templates_app.graph_stand_in import GraphStandIn
from templates_app.management.commands.fake_graph_api import make_server
from templates_app.meta.graph import graph_template
from templates_app.models import SyncRun, WhatsAppTemplate
from templates_app.services.accounts import store_access_token
from tests import factories

pytestmark = pytest.mark.django_db


# Committed for real, as the command runs outside any test transaction: the task runs on commit.
@pytest.mark.django_db(transaction=True)
def test_sync_templates_syncs_every_account_with_a_token(synced_account, graph, organization):
    factories.BusinessAccountFactory(organization=organization)  # no token: not synced
    graph.templates[synced_account.waba_id] = [
        graph_template(
            meta_template_id="9200000000000001",
            name="welcome",
            language="en_US",
            status="APPROVED",
            category="MARKETING",
        )
    ]
    out = StringIO()

    call_command("sync_templates", stdout=out)

    run = SyncRun.objects.get()
    assert (run.business_account, run.trigger) == (synced_account, SyncRun.Trigger.SCHEDULE)
    assert f"{synced_account.waba_id}: sync {run.pk} finished; templates seen: 1" in out.getvalue()
    assert WhatsAppTemplate.objects.filter(name="welcome").exists()


def test_sync_templates_of_an_unknown_waba_is_an_error():
    with pytest.raises(CommandError, match="No business account"):
        call_command("sync_templates", "--account", "999")


@pytest.mark.django_db(transaction=True)
def test_fake_graph_api_serves_the_database_templates_to_a_sync(tmp_path, settings, synced_number):
    account = synced_number.business_account
    template = factories.WhatsAppTemplateFactory(phone_number=synced_number, name="order_update")
    dump = tmp_path / "graph.json"
    call_command("fake_graph_api", "--dump", str(dump), stdout=StringIO())
    served = json.loads(dump.read_text())
    served[account.waba_id][0]["status"] = "PAUSED"  # as a person edits the file for the demo
    dump.write_text(json.dumps(served))

    stand_in = GraphStandIn(access_token="demo-graph-token")
    server = make_server("127.0.0.1", 0, stand_in, lambda: json.loads(dump.read_text()))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings.GRAPH_API_BASE_URL = stand_in.base_url
        store_access_token(account=account, access_token="demo-graph-token")
        call_command("sync_templates", "--account", account.waba_id, stdout=StringIO())
    finally:
        server.shutdown()
        server.server_close()

    run = SyncRun.objects.get()
    template.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED, run.errors
    assert template.status == "PAUSED"
