from __future__ import annotations

from typing import Any

import pytest

from templates_app.meta import quality_update_body, status_update_body
from tests import factories
from tests.webhooks import signed_post

# Meta's entry[].time for the first event of a test; later ones add minutes.
T0 = 1_795_000_000


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    return ("127.0.0.1", 0)


@pytest.fixture
def template(phone_number):
    return factories.WhatsAppTemplateFactory(
        phone_number=phone_number, name="spring_sale", language="en_US"
    )


def status_body(template, event: str, *, at: int = T0, **kwargs: Any) -> dict[str, Any]:
    return status_update_body(
        waba_id=template.business_account.waba_id,
        event=event,
        template_id=template.meta_template_id,
        name=template.name,
        language=template.language,
        occurred_at=at,
        **kwargs,
    )


def quality_body(template, quality: str, *, at: int = T0) -> dict[str, Any]:
    return quality_update_body(
        waba_id=template.business_account.waba_id,
        new_quality=quality,
        previous_quality=template.quality_score,
        template_id=template.meta_template_id,
        name=template.name,
        language=template.language,
        occurred_at=at,
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
