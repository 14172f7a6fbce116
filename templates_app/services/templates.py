"""A person's writes: phone numbers and templates created, changed, deleted.

Business accounts are registered in services/accounts.py.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from organizations.models import User
from pytake.exceptions import ApplicationError
from templates_app.changes import (
    ChangeKind,
    ChangeSource,
    TemplateChange,
    react_to_template_changes,
)
from templates_app.models import BusinessAccount, PhoneNumber, WhatsAppTemplate


def canonical_language(code: str) -> str:
    """Meta's own spelling of a language code: `en-US` and `en_US` are the same language."""
    return code.strip().replace("-", "_")


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


@transaction.atomic
def update_template_number(
    *, template: WhatsAppTemplate, phone_number: PhoneNumber | None
) -> WhatsAppTemplate:
    """Send the template from another number of its business account (a person's choice).

    Everything else about a template is Meta's to say and changes only through its events.
    """
    if (
        phone_number is not None
        and phone_number.business_account_id != template.business_account_id
    ):
        raise ApplicationError(
            f"Number {phone_number} is not on the template's business account.",
            extra={"phone_number": ["Choose a number of the template's business account."]},
        )
    template.phone_number = phone_number
    template.save(update_fields=["phone_number", "updated_at"])
    return template


@transaction.atomic
def delete_template(*, template: WhatsAppTemplate, actor: User | None) -> WhatsAppTemplate:
    """Soft-delete a template (it keeps its history); deleting it twice changes nothing.

    The deletion is a change of its own, for the reaction list (the audit trail records who).
    """
    template = WhatsAppTemplate.objects.select_for_update().get(pk=template.pk)
    if template.deleted_at is not None:
        return template
    template.deleted_at = timezone.now()
    template.save(update_fields=["deleted_at", "updated_at"])
    react_to_template_changes(
        [
            TemplateChange(
                template=template,
                kind=ChangeKind.DELETED,
                previous=template.status,
                new=template.status,
                what_happened="DELETED_BY_PERSON",
                occurred_at=template.deleted_at,
                source=ChangeSource.USER,
                actor=actor,
            )
        ]
    )
    return template
