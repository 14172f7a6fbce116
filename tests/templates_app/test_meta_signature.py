from __future__ import annotations

import json

import pytest

from templates_app.meta import SIGNATURE_HEADER, sign, signature_is_valid
from tests.webhooks import payload_bytes

SECRET = "app-secret-123"


def test_signature_header_is_metas() -> None:
    assert SIGNATURE_HEADER == "X-Hub-Signature-256"


def test_sign_matches_hmac_sha256_reference_vector() -> None:
    # RFC 4231, test case 2.
    assert sign(b"what do ya want for nothing?", app_secret="Jefe") == (
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


@pytest.mark.parametrize("name", ["status_paused.json", "components_update.json"])
def test_signature_of_exact_payload_file_is_valid(name: str) -> None:
    body = payload_bytes(name)

    assert signature_is_valid(body, header_value=sign(body, app_secret=SECRET), app_secret=SECRET)


def test_reserialized_json_does_not_verify() -> None:
    body = payload_bytes("status_paused.json")
    reserialized = json.dumps(json.loads(body)).encode()

    assert not signature_is_valid(
        reserialized, header_value=sign(body, app_secret=SECRET), app_secret=SECRET
    )


def test_escaped_and_raw_utf8_bodies_have_different_signatures() -> None:
    escaped = b'{"name": "caf\\u00e9"}'
    raw_utf8 = '{"name": "café"}'.encode()

    assert signature_is_valid(
        raw_utf8, header_value=sign(raw_utf8, app_secret=SECRET), app_secret=SECRET
    )
    assert not signature_is_valid(
        raw_utf8, header_value=sign(escaped, app_secret=SECRET), app_secret=SECRET
    )


def test_tampered_body_is_invalid() -> None:
    header = sign(b'{"event": "APPROVED"}', app_secret=SECRET)

    assert not signature_is_valid(b'{"event": "REJECTED"}', header_value=header, app_secret=SECRET)


def test_wrong_secret_is_invalid() -> None:
    body = b"{}"

    assert not signature_is_valid(
        body, header_value=sign(body, app_secret="other-secret"), app_secret=SECRET
    )


@pytest.mark.parametrize("header_value", [None, ""])
def test_missing_signature_is_invalid(header_value: str | None) -> None:
    assert not signature_is_valid(b"{}", header_value=header_value, app_secret=SECRET)


def test_empty_app_secret_never_validates() -> None:
    body = b"{}"

    assert not signature_is_valid(body, header_value=sign(body, app_secret=""), app_secret="")


def test_uppercase_hex_digest_is_accepted() -> None:
    body = b"{}"
    digest = sign(body, app_secret=SECRET).removeprefix("sha256=")

    assert signature_is_valid(body, header_value="sha256=" + digest.upper(), app_secret=SECRET)


def _malformed_headers() -> list[str]:
    digest = sign(b"{}", app_secret=SECRET).removeprefix("sha256=")
    return [
        digest,  # no prefix
        "sha1=" + digest,
        "SHA256=" + digest,
        "sha256=",
        "sha256=" + digest[:-1],
        "sha256=" + digest + "0",
        "sha256=" + "z" * 64,
        "sha256=" + "é" * 64,
        " sha256=" + digest,
        "sha256=" + digest + " ",
    ]


@pytest.mark.parametrize("header_value", _malformed_headers())
def test_malformed_signature_is_invalid_without_raising(header_value: str) -> None:
    assert not signature_is_valid(b"{}", header_value=header_value, app_secret=SECRET)


@pytest.mark.parametrize("header_value", [b"sha256=00", 42, ["sha256=00"]])
def test_non_string_header_is_invalid_without_raising(header_value: object) -> None:
    assert not signature_is_valid(
        b"{}",
        header_value=header_value,  # type: ignore[arg-type]
        app_secret=SECRET,
    )
