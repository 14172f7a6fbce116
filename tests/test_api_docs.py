from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_openapi_schema_is_served(member_client):
    response = member_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "PyTake template health API"
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/organizations/",
        "/api/v1/organizations/{id}/users/",
        "/api/v1/whatsapp/accounts/",
        "/api/v1/whatsapp/numbers/",
        "/api/v1/whatsapp/{number_id}/templates/",
        "/api/v1/whatsapp/{number_id}/templates/{template_id}/",
        "/api/v1/campaigns/",
        "/api/v1/campaigns/{id}/",
    ):
        assert path in schema["paths"], path


def test_openapi_schema_is_served_without_login(api_client):
    assert api_client.get("/api/schema/").status_code == 200


def test_swagger_ui_is_served_from_local_static_files(api_client):
    response = api_client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in html
    assert "cdn.jsdelivr.net" not in html
    assert "/api/schema/" in html


def test_schema_validates_without_warnings(tmp_path):
    schema_file = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(schema_file))

    schema = yaml.safe_load(schema_file.read_text())
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/campaigns/" in schema["paths"]
