"""Audit actions read as sentences: in the admin's list and page, and as the API's
`action_display`, all from one mapping that names every action."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client

from audit import services
from audit.actions import ACTION_SENTENCES, Action, action_sentence
from tests import factories

pytestmark = pytest.mark.django_db

AUDIT_URL = "/api/v1/audit/"
CHANGELIST = "/admin/audit/auditlog/"


def page_text(response) -> str:
    assert response.status_code == 200
    words = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(words).split())


def page_text_of(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


@pytest.fixture
def site(super_admin) -> Client:
    client = Client()
    client.force_login(super_admin)
    return client


def test_every_action_code_has_its_own_sentence():
    assert set(ACTION_SENTENCES) == set(Action)
    sentences = list(ACTION_SENTENCES.values())
    assert len(set(sentences)) == len(sentences)
    for code, sentence in ACTION_SENTENCES.items():
        assert sentence[0].isupper() and "_" not in sentence and code not in sentence


def test_the_services_record_only_listed_actions():
    # What the services write: their action is the same enum the sentences are keyed by.
    assert services.Action is Action
    for action in services.TEMPLATE_CHANGE_ACTIONS.values():
        assert action in ACTION_SENTENCES
    for action in services.ACCOUNT_EVENT_ACTIONS.values():
        assert action in ACTION_SENTENCES


def test_an_unlisted_code_still_reads_as_words():
    assert action_sentence("template.renamed_by_meta") == "Template renamed by meta"


def test_admin_list_and_page_show_sentences_not_codes(site, organization):
    entry = factories.AuditLogFactory(organization=organization, action="template.status_changed")
    factories.AuditLogFactory(organization=organization, action="campaign.template_switched")

    listed = page_text(site.get(CHANGELIST))
    page = page_text(site.get(f"{CHANGELIST}{entry.pk}/change/"))

    assert "The template's status changed" in listed
    assert "Campaign moved to another template" in listed
    assert "template.status_changed" not in listed
    assert "campaign.template_switched" not in listed
    assert page.index("What happened: The template's status changed") < page.index(
        "template.status_changed"
    )


def test_admin_filters_by_sentence(site, organization):
    factories.AuditLogFactory(organization=organization, action="alert.acknowledged")
    factories.AuditLogFactory(organization=organization, action="campaign.paused")

    response = site.get(CHANGELIST, {"action": "alert.acknowledged"})

    body = response.content.decode()
    results = body[body.index('id="result_list"') :].split("</table>")[0]
    rows = [page_text_of(row) for row in re.findall(r"<tr[^>]*>.*?</tr>", results, re.S)][1:]
    assert len(rows) == 1 and "Alert acknowledged" in rows[0]
    filters = page_text_of(body[body.index('id="changelist-filter"') :])
    assert "By what happened" in filters and "Campaign paused" in filters


def test_api_entries_carry_the_sentence_beside_the_code(admin_client, organization):
    for action in ("campaign.paused", "template.status_changed", "campaign.resumed"):
        factories.AuditLogFactory(organization=organization, action=action)

    rows = admin_client.get(AUDIT_URL).json()["results"]

    assert [(row["action"], row["action_display"]) for row in rows] == [
        ("campaign.resumed", "Campaign resumed"),
        ("template.status_changed", "The template's status changed"),
        ("campaign.paused", "Campaign paused"),
    ]
