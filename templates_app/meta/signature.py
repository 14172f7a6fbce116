"""Meta's webhook signature: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>``.

Always check the exact bytes received; re-serialized JSON does not verify.
"""

from __future__ import annotations

import hashlib
import hmac
import string

SIGNATURE_HEADER = "X-Hub-Signature-256"
SIGNATURE_PREFIX = "sha256="
_HEX_DIGITS = frozenset(string.hexdigits)
_DIGEST_LENGTH = hashlib.sha256().digest_size * 2


def sign(body: bytes, *, app_secret: str) -> str:
    """The header value Meta would send for ``body``."""
    digest = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def signature_is_valid(body: bytes, *, header_value: str | None, app_secret: str) -> bool:
    """Constant-time check of ``header_value`` against ``body``; False for anything malformed.

    An empty ``app_secret`` never validates, so a missing setting cannot accept forged bodies.
    """
    if not isinstance(header_value, str) or not header_value.startswith(SIGNATURE_PREFIX):
        return False
    if not isinstance(app_secret, str) or not app_secret:
        return False
    if not isinstance(body, bytes | bytearray):
        return False
    received = header_value.removeprefix(SIGNATURE_PREFIX)
    if len(received) != _DIGEST_LENGTH or not _HEX_DIGITS.issuperset(received):
        return False
    expected = sign(bytes(body), app_secret=app_secret).removeprefix(SIGNATURE_PREFIX)
    return hmac.compare_digest(expected, received.lower())
