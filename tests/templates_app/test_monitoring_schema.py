"""The monitoring endpoints document their answers, examples and errors in the OpenAPI schema."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

DOCUMENTED = {
    "/api/v1/whatsapp/templates/": {"200", "400", "401"},
    "/api/v1/whatsapp/templates/{template_id}/": {"200", "401", "404"},
    "/api/v1/whatsapp/templates/{template_id}/status-history/": {"200", "400", "401", "404"},
    "/api/v1/whatsapp/templates/critical/": {"200", "400", "401", "404"},
    "/api/v1/whatsapp/templates/quality-summary/": {"200", "400", "401", "403", "404"},
    "/api/v1/whatsapp/{number_id}/templates/": {"200", "401", "404"},
}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


@pytest.mark.parametrize(("path", "codes"), DOCUMENTED.items())
def test_monitoring_endpoint_documents_its_answers(schema, path, codes):
    responses = schema["paths"][path]["get"]["responses"]

    assert codes <= set(responses)


@pytest.mark.parametrize("path", DOCUMENTED)
def test_monitoring_endpoint_shows_an_example_answer(schema, path):
    content = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]

    assert content["examples"]


def test_list_documents_every_filter(schema):
    parameters = schema["paths"]["/api/v1/whatsapp/templates/"]["get"]["parameters"]

    assert {p["name"] for p in parameters} >= {
        "status",
        "quality",
        "category",
        "business_account",
        "needs_attention",
        "search",
        "ordering",
        "organization",
        "page",
    }
