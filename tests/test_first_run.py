"""What a newcomer meets first: the API's front door and JSON errors under /api/."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_api_root_answers_json_with_links_to_the_docs(api_client):
    response = api_client.get("/api/v1/")

    assert response.status_code == 200
    body = response.json()
    assert body["docs"] == "http://testserver/api/docs/"
    assert body["endpoints"]["campaigns"] == "http://testserver/api/v1/campaigns/"


@pytest.mark.parametrize("debug", [True, False])
def test_unknown_api_url_answers_json_404_whatever_debug(api_client, settings, debug):
    settings.DEBUG = debug

    response = api_client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_metas_phone_number_id_in_a_url_gets_a_hint_about_our_number_id(admin_client):
    response = admin_client.get("/api/v1/whatsapp/106540352242922/templates/")

    assert response.status_code == 404
    assert "PyTake's id of the number" in response.json()["detail"]
