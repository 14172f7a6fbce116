"""deploy/prometheus/rules.yml: a Prometheus rule file whose every expression reads our metrics."""

from __future__ import annotations

import re

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.operations.conftest import METRICS_TOKEN
from tests.servers import PROJECT_DIR

pytestmark = pytest.mark.django_db

RULES_FILE = PROJECT_DIR / "deploy" / "prometheus" / "rules.yml"
OUR_METRIC = re.compile(r"\bpytake_[a-z0-9_]+")
DURATION = re.compile(r"^\d+[smhd]$")
SUFFIXES_BY_TYPE = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_count", "_sum"),
    "gauge": ("",),
}


def exported_names(client, settings) -> set[str]:
    """Every series name /metrics can show, from its HELP and TYPE lines."""
    settings.METRICS_TOKEN = METRICS_TOKEN
    response = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200
    return {
        family.name + suffix
        for family in text_string_to_metric_families(response.content.decode())
        for suffix in SUFFIXES_BY_TYPE.get(family.type, ("",))
    }


def rules() -> list[dict]:
    document = yaml.safe_load(RULES_FILE.read_text())
    assert set(document) == {"groups"}
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_the_rule_file_has_prometheus_shape():
    document = yaml.safe_load(RULES_FILE.read_text())
    names = [group["name"] for group in document["groups"]]
    assert len(names) == len(set(names))
    alerts = [rule["alert"] for rule in rules()]
    assert len(alerts) == len(set(alerts)) >= 8
    for rule in rules():
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        assert isinstance(rule["expr"], str) and rule["expr"].strip(), rule["alert"]
        assert rule["expr"].count("(") == rule["expr"].count(")"), rule["alert"]
        assert rule["expr"].count("[") == rule["expr"].count("]"), rule["alert"]
        assert rule["expr"].count("{") == rule["expr"].count("}"), rule["alert"]
        assert DURATION.match(rule.get("for", "0s")), rule["alert"]
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}, rule["alert"]
        assert rule["annotations"]["summary"].strip(), rule["alert"]


def test_every_expression_names_only_metrics_we_export(client, settings):
    exported = exported_names(client, settings)

    for rule in rules():
        named = set(OUR_METRIC.findall(rule["expr"]))
        assert named, f"{rule['alert']} reads none of our metrics"
        assert named <= exported, f"{rule['alert']} reads {named - exported}"
