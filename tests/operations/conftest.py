from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest
from prometheus_client.parser import text_string_to_metric_families

# The Graph API stand-in's fixtures, shared with the sync tests.
from tests.templates_app.conftest import graph, synced_account  # noqa: F401

METRICS_TOKEN = "metrics-token-for-tests"

Samples = dict[tuple[str, frozenset], float]


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    return ("127.0.0.1", 0)


def parse_samples(text: str) -> Samples:
    """Every sample of a Prometheus text exposition, keyed by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """A sample's value; 0 when absent (a labelled metric shows no sample before its first)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def scrape(client, settings) -> Callable[[], Samples]:
    """GET /metrics with the token, as Prometheus does, and parse what it answers."""
    settings.METRICS_TOKEN = METRICS_TOKEN

    def read(headers: Mapping[str, str] | None = None) -> Samples:
        response = client.get(
            "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}", **(headers or {})}
        )
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith("text/plain; version=")
        return parse_samples(response.content.decode())

    return read
