"""Schemathesis against the live schema: every operation, with generated valid and invalid input,
as an org admin and as a member. No answer may be a 5xx or one the schema does not document
(status code, content type, body, headers): every built-in check, as `st run --checks all`,
bounded in examples and derandomized, so a run is the same each time.

The schema is read from `/api/schema/` and requests go to the Django application in-process
(WSGI), on the test's database. Hypothesis drives each operation here rather than through
Schemathesis' pytest plugin, which this pytest version does not load.

Left out, each for a reason:
- `/api/v1/whatsapp/webhook/` (both methods): Meta signs what it sends and the handshake needs
  the verify token, so every generated request is refused before anything is read;
  tests/templates_app covers the endpoint.
- `POST /api/v1/auth/logout/` and `.../logout-all/`: they revoke the very token the test calls
  with, turning every later call into a 401.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from knox.models import AuthToken
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from pytake.wsgi import application
from tests import factories
from tests.test_route_security import make_organization

EXCLUDED_PATHS = ("/api/v1/whatsapp/webhook/", "/api/v1/auth/logout/", "/api/v1/auth/logout-all/")
# Per operation, role and mode: a few minutes in all on a busy machine.
MAX_EXAMPLES = 10


# Every built-in check. A schema-valid request may still be refused 400 for the state it names
# (a page past the last, a template or account that does not exist, a wrong password): the
# schema cannot say that, so `positive_data_acceptance` accepts a 400 besides its own answers.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "429"]
            }
        }
    }
)


def load_operations() -> list:
    """Every operation of the schema `/api/schema/` serves, read through the WSGI application."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=CONFIG)
    operations = [result.ok() for result in schema.get_all_operations()]
    return [operation for operation in operations if operation.path not in EXCLUDED_PATHS]


OPERATIONS = load_operations()


@pytest.fixture
def organization_world(db, settings) -> Iterator:
    """One organization with one of everything; requests served in-process on its transaction."""
    # Nothing leaves the machine: Meta's Graph API is a closed local port, refused at once.
    settings.GRAPH_API_BASE_URL = "http://127.0.0.1:9"
    settings.GRAPH_API_BACKOFF_SECONDS = 0
    settings.NOTIFY_ALLOW_PRIVATE_URLS = False
    # Django's test client keeps the test's connection open across requests; so must this.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield make_organization()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def token_header(user) -> dict[str, str]:
    _instance, key = AuthToken.objects.create(user=user)
    return {"Authorization": f"Token {key}"}


ROLES = {"org_admin": factories.OrgAdminFactory, "member": factories.UserFactory}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "operation", OPERATIONS, ids=[f"{op.method.upper()} {op.path}" for op in OPERATIONS]
)
def test_no_answer_is_a_5xx_or_undocumented(operation, role, organization_world):
    headers = token_header(ROLES[role](organization=organization_world.organization))

    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def every_answer_is_documented(case) -> None:
            case.call_and_validate(headers=headers)

        try:
            every_answer_is_documented()
        except Unsatisfiable:
            # No input breaks the schema of an operation without parameters or body.
            if mode is GenerationMode.POSITIVE:
                raise
