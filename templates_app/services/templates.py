"""Creating business accounts, phone numbers and templates."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from organizations.models import Organization
from pytake.exceptions import ApplicationError
from templates_app.models import BusinessAccount, PhoneNumber, WhatsAppTemplate


def canonical_language(code: str) -> str:
    """Meta's own spelling of a language code: `en-US` and `en_US` are the same language."""
    return code.strip().replace("-", "_")


@transaction.atomic
def create_business_account(
    *, organization: Organization, waba_id: str, name: str
) -> BusinessAccount:
    return BusinessAccount.objects.create(organization=organization, waba_id=waba_id, name=name)


@transaction.atomic
def create_phone_number(
    *,
    business_account: BusinessAccount,
    phone_number_id: str,
    display_phone_number: str,
    verified_name: str = "",
) -> PhoneNumber:
    return PhoneNumber.objects.create(
        business_account=business_account,
        phone_number_id=phone_number_id,
        display_phone_number=display_phone_number,
        verified_name=verified_name,
    )


def create_template(
    *,
    phone_number: PhoneNumber,
    name: str,
    language: str,
    category: str = "",
    meta_template_id: str | None = None,
) -> WhatsAppTemplate:
    """A template submitted through PyTake: PENDING with quality UNKNOWN until Meta rules."""
    account = phone_number.business_account
    try:
        with transaction.atomic():
            return WhatsAppTemplate.objects.create(
                organization_id=account.organization_id,
                business_account=account,
                phone_number=phone_number,
                name=name,
                language=canonical_language(language),
                category=category,
                meta_template_id=meta_template_id or None,
                pending_since=timezone.now(),
            )
    except IntegrityError as exc:
        # A concurrent request took the name or the Meta id between validation and insert.
        raise ApplicationError(
            "A template with this name and language, or this Meta id, already exists.",
            extra={"name": ["This business account already has this template."]},
        ) from exc
