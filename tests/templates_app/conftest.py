from __future__ import annotations

import pytest

from templates_app.graph_stand_in import GraphStandIn
from templates_app.services.accounts import store_access_token
from tests import factories
from tests.graph import GRAPH_TOKEN, GRAPH_VERSION, serve_stand_in


@pytest.fixture
def graph(httpserver, settings) -> GraphStandIn:
    """Meta's Graph API on a local server; retries and timeouts made short for tests."""
    base_url = httpserver.url_for("/").rstrip("/")
    settings.GRAPH_API_BASE_URL = base_url
    settings.GRAPH_API_VERSION = GRAPH_VERSION
    settings.GRAPH_API_BACKOFF_SECONDS = 0.01
    settings.GRAPH_API_TIMEOUT_SECONDS = 0.5
    settings.GRAPH_API_MAX_WAIT_SECONDS = 5
    return serve_stand_in(httpserver, GraphStandIn(base_url=base_url, access_token=GRAPH_TOKEN))


@pytest.fixture
def synced_account(organization, graph):
    """A business account with a working token, whose WABA Meta knows (with no templates)."""
    account = factories.BusinessAccountFactory(organization=organization)
    store_access_token(account=account, access_token=GRAPH_TOKEN)
    graph.templates[account.waba_id] = []
    return account


@pytest.fixture
def synced_number(synced_account):
    return factories.PhoneNumberFactory(business_account=synced_account)
