from __future__ import annotations

from functools import partial
from typing import Any

import pytest

from tests import factories
from tests.webhooks import signed_post, template_quality_body, template_status_body

# Meta's entry[].time for the first event of a test; later ones add minutes.
T0 = 1_795_000_000

# Meta's news about a template, dated T0 unless told otherwise (occurred_at=).
status_body = partial(template_status_body, occurred_at=T0)
quality_body = partial(template_quality_body, occurred_at=T0)


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    return ("127.0.0.1", 0)


@pytest.fixture
def template(phone_number):
    return factories.WhatsAppTemplateFactory(
        phone_number=phone_number, name="spring_sale", language="en_US"
    )


def correct_category_body(template, correct: str, *, at: int = T0) -> dict[str, Any]:
    """Meta's template_correct_category_detection, shaped as Meta sends it."""
    value = {
        "message_template_id": int(template.meta_template_id),
        "message_template_name": template.name,
        "message_template_language": template.language,
        "category": template.category,
        "correct_category": correct,
    }
    change = {"field": "template_correct_category_detection", "value": value}
    entry = {"id": template.business_account.waba_id, "time": at, "changes": [change]}
    return {"object": "whatsapp_business_account", "entry": [entry]}


def deliver(client, body: dict[str, Any]) -> None:
    """POST Meta's signed body and insist it was applied."""
    response = signed_post(client, body)
    assert response.status_code == 200, response.content
