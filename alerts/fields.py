"""A text field stored encrypted (Fernet), for secrets an API never shows again."""

from __future__ import annotations

from functools import cache
from typing import Any

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.db import models


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    # The first key encrypts; every key decrypts, so a new key can be put first and the old
    # one kept until the rows are re-saved.
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


class EncryptedTextField(models.TextField):
    """Plain text in Python, a Fernet token in the database; "" stays ""."""

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return value
        return fernet().encrypt(str(value).encode()).decode()

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return fernet().decrypt(value.encode()).decode()
