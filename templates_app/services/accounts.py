"""Business accounts: registering with proof of ownership, claiming a squatted WABA id, and the
Meta access token (stored encrypted, never shown)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from organizations.models import Organization, User
from pytake.crypto import encrypt_secret, reencrypt_secret
from pytake.exceptions import ApplicationError, ConflictError
from pytake.names import check_name
from templates_app.changes import AccountEventKind, BusinessAccountEvent, react_to_account_events
from templates_app.graph_client import GraphClient, GraphError, GraphTokenInvalid, GraphUnavailable
from templates_app.models import BusinessAccount

# Meta's WABA ids: up to 32 digits (the column's width).
WABA_ID = re.compile(r"[0-9]{1,32}")


class MetaUnavailableError(ApplicationError):
    """Meta could not be asked (it failed or rate-limited us): nothing was decided (HTTP 503)."""

    status_code = 503


@dataclass(frozen=True)
class OwnershipProof:
    """Meta confirmed that `access_token` sees WABA `waba_id`: a proof of that id only."""

    waba_id: str
    access_token: str = field(repr=False)


def prove_ownership(*, waba_id: str, access_token: str) -> OwnershipProof:
    """Ask Meta whether `access_token` sees WABA `waba_id`; ApplicationError (400) if not.

    Slow I/O: call it outside any transaction, before the write it allows.
    """
    check_access_token(access_token)
    try:
        with GraphClient(access_token=access_token, max_tries=2) as client:
            seen = client.waba_id_seen(waba_id)
    except GraphTokenInvalid:
        raise ApplicationError(
            "Meta does not accept this access token (expired or revoked).",
            extra={"access_token": ["Meta does not accept this access token."]},
        ) from None
    except GraphUnavailable as exc:
        raise MetaUnavailableError(
            f"Meta's Graph API could not confirm the WABA just now; try again. ({exc})"
        ) from None
    except GraphError as exc:
        if exc.http_status is not None and 400 <= exc.http_status < 500 and exc.http_status != 429:
            raise _cannot_see(waba_id) from None
        raise MetaUnavailableError(
            f"Meta's Graph API could not confirm the WABA just now; try again. ({exc})"
        ) from None
    if seen != waba_id:
        raise _cannot_see(waba_id)
    return OwnershipProof(waba_id=waba_id, access_token=access_token)


def check_access_token(access_token: str) -> str:
    """`access_token` unchanged if it could be a Meta token (printable ASCII, which an HTTP
    header can carry), else ApplicationError (400)."""
    if not (access_token.isascii() and access_token.isprintable()):
        message = "An access token holds only printable ASCII characters."
        raise ApplicationError(message, extra={"access_token": [message]})
    return access_token


def _cannot_see(waba_id: str) -> ApplicationError:
    return ApplicationError(
        f"This access token cannot see WhatsApp Business Account {waba_id}: use a system-user "
        "token of the business that owns it.",
        extra={"access_token": [f"This token cannot see WABA {waba_id}."]},
    )


def register_business_account(
    *,
    organization: Organization,
    waba_id: str,
    name: str,
    access_token: str = "",
    proof: OwnershipProof | None = None,
    actor: User | None = None,
) -> tuple[BusinessAccount, bool]:
    """Register a WABA for `organization`; returns the account and whether it is new.

    With an access token, Meta must confirm the token sees the WABA (else 400, nothing saved);
    a `proof` Meta already gave for this very id stands for it. The account is then proven. A
    proven registration also claims an id that another organization registered without proof:
    that account is released (it keeps its rows but receives no more webhooks or syncs). A
    proven account is never taken over (409). The organization's own unproven account of the
    same WABA gets the token and the proof.
    """
    check_waba_id(waba_id)
    check_name(name)
    if proof is None and access_token:
        proof = prove_ownership(waba_id=waba_id, access_token=access_token)
    if proof is not None and proof.waba_id != waba_id:
        raise _proof_of_another_id(proof, waba_id)
    try:
        with transaction.atomic():
            holder = (
                BusinessAccount.objects.select_for_update()
                .filter(waba_id=waba_id, released_at__isnull=True)
                .first()
            )
            if holder is None:
                account = BusinessAccount.objects.create(
                    organization=organization, waba_id=waba_id, name=name
                )
                if proof is not None:
                    _store_proven_token(account, proof)
                return account, True
            refuse_taken_waba(holder, organization=organization, proven=proof is not None)
            if holder.organization_id == organization.pk:
                _store_proven_token(holder, proof)
                return holder, False
            claimed = _claim(holder, organization=organization, name=name, proof=proof, actor=actor)
            return claimed, True
    except IntegrityError:
        # Another request registered the same WABA between our lock and our insert.
        raise ConflictError(
            "This WABA was registered by another request just now; try again.",
            extra={"waba_id": ["This WABA was registered just now."]},
        ) from None


def check_waba_id(waba_id: str) -> str:
    """`waba_id` unchanged if it is Meta's kind of id (digits), else ApplicationError (400)."""
    if not WABA_ID.fullmatch(waba_id):
        message = "A WABA id is Meta's number, digits only."
        raise ApplicationError(message, extra={"waba_id": [message]})
    return waba_id


def check_registration(
    *, organization: Organization, waba_id: str, name: str, proven: bool
) -> None:
    """Raise what `register_business_account` would refuse, writing nothing (a form's check:
    the registration checks again under its lock)."""
    check_waba_id(waba_id)
    check_name(name)
    holder = BusinessAccount.objects.filter(waba_id=waba_id, released_at__isnull=True).first()
    if holder is not None:
        refuse_taken_waba(holder, organization=organization, proven=proven)


def refuse_taken_waba(holder: BusinessAccount, *, organization: Organization, proven: bool) -> None:
    """Whether `organization` may register the WABA `holder` holds: only with proof, and never
    from another organization that proved it."""
    if holder.organization_id == organization.pk:
        if not proven:
            raise _already_registered("Your organization already registered this WABA.")
        return
    if holder.ownership_proven:
        raise ConflictError(
            "Another organization registered this WABA and proved it owns it.",
            extra={"waba_id": ["This WABA belongs to another organization."]},
        )
    if not proven:
        raise _already_registered(
            "Another organization registered this WABA without proof. If it is yours, "
            "register it with an access token that sees it to claim it."
        )


def _proof_of_another_id(proof: OwnershipProof, waba_id: str) -> ApplicationError:
    return ApplicationError(
        f"Meta's confirmation was for WABA {proof.waba_id}, not {waba_id}: each WABA id needs "
        "its own proof.",
        extra={"waba_id": [f"This proof is for WABA {proof.waba_id}."]},
    )


@transaction.atomic
def update_business_account(
    *, account: BusinessAccount, name: str, access_token: str = ""
) -> BusinessAccount:
    """A person renames the account or stores a new token (from the admin).

    Its WABA id never changes: another id is another registration, with its own proof.
    """
    account = BusinessAccount.objects.select_for_update().get(pk=account.pk)
    account.name = check_name(name)
    account.save(update_fields=["name"])
    if access_token:
        store_access_token(account=account, access_token=access_token)
    return account


def _already_registered(message: str) -> ApplicationError:
    return ApplicationError(message, extra={"waba_id": [message]})


def _claim(
    holder: BusinessAccount,
    *,
    organization: Organization,
    name: str,
    proof: OwnershipProof,
    actor: User | None,
) -> BusinessAccount:
    now = timezone.now()
    holder.released_at = now
    holder.save(update_fields=["released_at"])
    account = BusinessAccount.objects.create(
        organization=organization, waba_id=holder.waba_id, name=name
    )
    _store_proven_token(account, proof)
    react_to_account_events(
        [
            BusinessAccountEvent(
                account=holder,
                kind=AccountEventKind.RELEASED,
                reason=(
                    f"Another organization proved with a Meta access token that it owns WABA "
                    f"{holder.waba_id}; this account no longer receives its webhooks or syncs."
                ),
                occurred_at=now,
                other_account=account,
            ),
            BusinessAccountEvent(
                account=account,
                kind=AccountEventKind.CLAIMED,
                reason=(
                    f"WABA {holder.waba_id} was registered by another organization without proof; "
                    "a Meta access token proved it is yours, so it now belongs to this account."
                ),
                occurred_at=now,
                other_account=holder,
                actor=actor,
            ),
        ]
    )
    return account


def _store_proven_token(account: BusinessAccount, proof: OwnershipProof) -> None:
    if proof.waba_id != account.waba_id:  # a proof never carries over to another id
        raise _proof_of_another_id(proof, account.waba_id)
    account.access_token_encrypted = encrypt_secret(proof.access_token)
    account.token_status = BusinessAccount.TokenStatus.STORED
    account.ownership_verified_at = timezone.now()
    account.save(update_fields=["access_token_encrypted", "token_status", "ownership_verified_at"])


@transaction.atomic
def store_access_token(*, account: BusinessAccount, access_token: str) -> BusinessAccount:
    """Replace the account's Meta access token (from the admin). It proves nothing by itself:
    the next sync tells whether Meta accepts it."""
    account.access_token_encrypted = encrypt_secret(access_token)
    account.token_status = BusinessAccount.TokenStatus.STORED
    account.save(update_fields=["access_token_encrypted", "token_status"])
    return account


@transaction.atomic
def mark_token_invalid(*, account: BusinessAccount, error: GraphError) -> None:
    """Meta refused the token (code 190): record it, and tell the apps that audit and alert."""
    updated = BusinessAccount.objects.filter(pk=account.pk).exclude(
        token_status=BusinessAccount.TokenStatus.INVALID
    )
    if not updated.update(token_status=BusinessAccount.TokenStatus.INVALID):
        return  # Already known: one alert per token, not one per sync.
    account.token_status = BusinessAccount.TokenStatus.INVALID
    react_to_account_events(
        [
            BusinessAccountEvent(
                account=account,
                kind=AccountEventKind.TOKEN_INVALID,
                reason=(
                    "Meta access token no longer works: Meta says it expired or was revoked. "
                    "Store a new system-user token to sync again."
                ),
                occurred_at=timezone.now(),
                details={
                    "severity": "CRITICAL",
                    "code": error.code,
                    "subcode": error.subcode,
                    "fbtrace_id": error.fbtrace_id,
                },
            )
        ]
    )


@transaction.atomic
def reencrypt_access_tokens() -> int:
    """Encrypt every stored Meta access token again with the first FIELD_ENCRYPTION_KEY (after a
    new key was put first), so the older keys can be dropped; returns how many."""
    accounts = BusinessAccount.objects.exclude(access_token_encrypted="").select_for_update()
    count = 0
    for account in accounts.only("pk", "access_token_encrypted"):
        account.access_token_encrypted = reencrypt_secret(account.access_token_encrypted)
        account.save(update_fields=["access_token_encrypted"])
        count += 1
    return count
