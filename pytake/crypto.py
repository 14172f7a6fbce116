"""Secrets at rest (Meta access tokens): Fernet, keyed by FIELD_ENCRYPTION_KEY, rotatable."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SecretUnreadable(Exception):
    """A stored secret that none of the configured keys decrypts."""


def _fernet() -> MultiFernet:
    keys = [key.strip() for key in settings.FIELD_ENCRYPTION_KEY if key.strip()]
    if not keys:
        if not settings.DEBUG:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be set to store secrets.")
        # Development only: a key derived from SECRET_KEY, so `make run` needs no setup.
        digest = hashlib.sha256(b"pytake-field-encryption:" + settings.SECRET_KEY.encode())
        keys = [base64.urlsafe_b64encode(digest.digest()).decode()]
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY holds a key that is not a base64 Fernet key."
        ) from exc


def encrypt_secret(plaintext: str) -> str:
    """The secret encrypted with the first key, as text fit for a TextField."""
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt_secret(ciphertext: str) -> str:
    """The secret, decrypted with whichever configured key encrypted it."""
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("No configured FIELD_ENCRYPTION_KEY decrypts this secret.") from exc


def reencrypt_secret(ciphertext: str) -> str:
    """The same secret encrypted again with the first key (after a key rotation)."""
    try:
        return _fernet().rotate(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("No configured FIELD_ENCRYPTION_KEY decrypts this secret.") from exc
