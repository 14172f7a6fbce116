"""Rotating FIELD_ENCRYPTION_KEY: a new key first, `reencrypt_secrets`, then the old key goes."""

from __future__ import annotations

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from alerts.models import NotificationChannel
from pytake.crypto import decrypt_secret
from templates_app.models import BusinessAccount
from templates_app.services.accounts import store_access_token
from tests import factories

pytestmark = pytest.mark.django_db


def test_every_stored_secret_survives_the_old_key_being_dropped(settings, organization):
    account = factories.BusinessAccountFactory(organization=organization)
    store_access_token(account=account, access_token="EAAG-meta-token")
    channel = factories.NotificationChannelFactory(organization=organization, webhook=True)
    old_key = settings.FIELD_ENCRYPTION_KEY[0]
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode(), old_key]

    out = StringIO()
    call_command("reencrypt_secrets", stdout=out)
    settings.FIELD_ENCRYPTION_KEY = settings.FIELD_ENCRYPTION_KEY[:1]

    assert (
        "Re-encrypted 1 access tokens and the URLs and secrets of 1 notification channels."
        in out.getvalue()
    )
    account = BusinessAccount.objects.get(pk=account.pk)
    assert decrypt_secret(account.access_token_encrypted) == "EAAG-meta-token"
    assert NotificationChannel.objects.get(pk=channel.pk).secret == factories.WEBHOOK_SECRET
