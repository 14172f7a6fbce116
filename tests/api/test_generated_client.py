"""A client generated from the schema by openapi-python-client reads every list and detail from a
running server: the schema's types (nullable fields included) are the ones the API answers."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from knox.models import AuthToken

from alerts.models import Alert
from campaigns.models import Campaign
from templates_app.models import QualityScore, SyncRun, TemplateStatus
from tests import factories

PACKAGE = "pytake_generated_client"
VENV_BIN = Path(sys.executable).parent


def generate_client(directory: Path) -> None:
    schema = directory / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(schema))
    subprocess.run(
        [
            str(VENV_BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(schema),
            "--output-path",
            str(directory / PACKAGE),
            "--meta",
            "none",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def read_operations(package) -> list:
    """The generated modules that read: every list and every detail, the webhook left out (Meta
    calls it, with its own signature)."""
    api = importlib.import_module(f"{package.__name__}.api")
    modules = []
    for info in pkgutil.walk_packages(api.__path__, prefix=f"{api.__name__}."):
        name = info.name.rsplit(".", 1)[-1]
        if info.ispkg or "webhook" in info.name:
            continue
        if name.endswith(("_list", "_retrieve")):
            modules.append(importlib.import_module(info.name))
    return modules


@pytest.mark.django_db(transaction=True)
def test_a_generated_client_reads_every_list_and_detail(tmp_path, live_server, monkeypatch):
    generate_client(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    package = importlib.import_module(PACKAGE)
    client_module = importlib.import_module(f"{PACKAGE}.client")

    admin = factories.OrgAdminFactory()
    organization = admin.organization
    number = factories.PhoneNumberFactory(business_account__organization=organization)
    account = number.business_account
    # What a client meets: a template Meta created (no number), one that failed, one never sent.
    learned = factories.WhatsAppTemplateFactory(
        business_account=account,
        phone_number=None,
        name="learned",
        status=TemplateStatus.DISABLED,
        disabled_reason="",
    )
    template = factories.WhatsAppTemplateFactory(
        phone_number=number, quality_score=QualityScore.RED, sent_count=10, failed_count=4
    )
    factories.CampaignFactory(template=template, status=Campaign.Status.PAUSED)
    factories.AlertFactory(template=learned, severity=Alert.Severity.CRITICAL)
    factories.NotificationChannelFactory(organization=organization)
    SyncRun.objects.create(business_account=account)
    _instance, key = AuthToken.objects.create(user=admin)
    client = client_module.AuthenticatedClient(
        base_url=live_server.url, token=key, raise_on_unexpected_status=True
    )
    path_values = {
        "number_id": number.pk,
        "template_id": learned.pk,
        "account_id": account.pk,
        "id": None,  # filled per module below
    }
    object_of_module = {
        "campaigns": factories.CampaignFactory(template=template).pk,
        "organizations": organization.pk,
        "channels": factories.NotificationChannelFactory(organization=organization).pk,
    }

    read = []
    for module in read_operations(package):
        parameters = inspect.signature(module.sync_detailed).parameters
        kwargs = {}
        for name in parameters:
            if name == "client" or parameters[name].default is not inspect.Parameter.empty:
                continue
            if name == "id":
                kwargs[name] = next(
                    value for part, value in object_of_module.items() if part in module.__name__
                )
            else:
                kwargs[name] = path_values[name]
        response = module.sync_detailed(client=client, **kwargs)

        assert response.status_code == 200, (module.__name__, response.content[:300])
        assert response.parsed is not None, module.__name__
        read.append(module.__name__.rsplit(".", 1)[-1])

    # Every collection and report a client starts from was read through the generated code.
    for expected in (
        "v1_alerts_list",
        "v1_audit_list",
        "v1_campaigns_list",
        "v1_campaigns_retrieve",
        "v1_notifications_channels_list",
        "v1_notifications_channels_retrieve",
        "v1_organizations_list",
        "v1_organizations_users_list",
        "v1_whatsapp_accounts_list",
        "v1_whatsapp_accounts_syncs_list",
        "v1_whatsapp_numbers_list",
        "v1_whatsapp_organization_templates_list",
        "v1_whatsapp_organization_template_retrieve",
        "v1_whatsapp_templates_list",
        "v1_whatsapp_templates_retrieve",
        "v1_whatsapp_templates_critical_retrieve",
        "v1_whatsapp_templates_quality_summary_retrieve",
    ):
        assert expected in read, (expected, sorted(read))
