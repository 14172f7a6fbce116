"""Business accounts: registering with proof of ownership, claiming a squatted WABA id, and the
Meta access token (stored encrypted, never shown)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from organizations.models import Organization, User
from pytake.crypto import encrypt_secret
from pytake.exceptions import ApplicationError, ConflictError
from templates_app.graph_client import GraphClient, GraphError, GraphTokenInvalid, GraphUnavailable
from templates_app.models import BusinessAccount
from templates_app.signals import AccountEventKind, BusinessAccountEvent, send_account_event


class MetaUnavailableError(ApplicationError):
    """Meta could not be asked (it failed or rate-limited us): nothing was decided (HTTP 503)."""

    status_code = 503


def prove_ownership(*, waba_id: str, access_token: str) -> None:
    """Ask Meta whether `access_token` sees WABA `waba_id`; ApplicationError (400) if not.

    Slow I/O: call it outside any transaction, before the write it allows.
    """
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
    actor: User | None = None,
) -> tuple[BusinessAccount, bool]:
    """Register a WABA for `organization`; returns the account and whether it is new.

    With an access token, Meta must confirm the token sees the WABA (else 400, nothing saved);
    the account is then proven. A proven registration also claims an id that another
    organization registered without proof: that account is released (it keeps its rows but
    receives no more webhooks or syncs). A proven account is never taken over (409). The
    organization's own unproven account of the same WABA gets the token and the proof.
    """
    if access_token:
        prove_ownership(waba_id=waba_id, access_token=access_token)
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
                if access_token:
                    _store_proven_token(account, access_token)
                return account, True
            if holder.organization_id == organization.pk:
                if not access_token:
                    raise _already_registered("Your organization already registered this WABA.")
                _store_proven_token(holder, access_token)
                return holder, False
            if holder.ownership_proven:
                raise ConflictError(
                    "Another organization registered this WABA and proved it owns it.",
                    extra={"waba_id": ["This WABA belongs to another organization."]},
                )
            if not access_token:
                raise _already_registered(
                    "Another organization registered this WABA without proof. If it is yours, "
                    "register it with an access token that sees it to claim it."
                )
            claimed = _claim(
                holder, organization=organization, name=name, token=access_token, actor=actor
            )
            return claimed, True
    except IntegrityError:
        # Another request registered the same WABA between our lock and our insert.
        raise ConflictError(
            "This WABA was registered by another request just now; try again.",
            extra={"waba_id": ["This WABA was registered just now."]},
        ) from None


def _already_registered(message: str) -> ApplicationError:
    return ApplicationError(message, extra={"waba_id": [message]})


def _claim(
    holder: BusinessAccount,
    *,
    organization: Organization,
    name: str,
    token: str,
    actor: User | None,
) -> BusinessAccount:
    now = timezone.now()
    holder.released_at = now
    holder.save(update_fields=["released_at"])
    account = BusinessAccount.objects.create(
        organization=organization, waba_id=holder.waba_id, name=name
    )
    _store_proven_token(account, token)
    send_account_event(
        BusinessAccountEvent(
            account=holder,
            kind=AccountEventKind.RELEASED,
            reason=(
                f"Another organization proved with a Meta access token that it owns WABA "
                f"{holder.waba_id}; this account no longer receives its webhooks or syncs."
            ),
            occurred_at=now,
            other_account=account,
        )
    )
    send_account_event(
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
        )
    )
    return account


def _store_proven_token(account: BusinessAccount, token: str) -> None:
    account.access_token_encrypted = encrypt_secret(token)
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
    send_account_event(
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
    )
