"""A text field stored encrypted, for secrets an API never shows again."""

from __future__ import annotations

from typing import Any

from django.db import models

from pytake.crypto import decrypt_secret, encrypt_secret


class EncryptedTextField(models.TextField):
    """Plain text in Python, a Fernet token in the database (`pytake.crypto`); "" stays ""."""

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt_secret(str(value))

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return decrypt_secret(value)
