"""A person's writes: phone numbers and templates created, changed, deleted.

Business accounts are registered in services/accounts.py.
"""

from __future__ import annotations

import re

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
from templates_app.models import BusinessAccount, PhoneNumber, TemplateCategory, WhatsAppTemplate


def canonical_language(code: str) -> str:
    """Meta's own spelling of a language code: `en-US` and `en_US` are the same language."""
    return code.strip().replace("-", "_")


# Meta's rules for a template submitted through PyTake (the API and the admin alike).
TEMPLATE_NAME = re.compile(r"[a-z0-9_]{1,512}")
LANGUAGE_CODE = re.compile(r"[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})?")
META_TEMPLATE_ID = re.compile(r"[0-9]{1,19}")
INT64_MAX = 2**63 - 1


def check_new_template(
    *,
    phone_number: PhoneNumber,
    name: str,
    language: str,
    category: str,
    meta_template_id: str | None = None,
) -> dict[str, str | None]:
    """The template's fields as stored (language in Meta's spelling, no empty Meta id), or
    ApplicationError (400) on the first field Meta or the business account would refuse."""

    def refuse(field: str, message: str) -> ApplicationError:
        return ApplicationError(message, extra={field: [message]})

    if not TEMPLATE_NAME.fullmatch(name):
        raise refuse("name", "Use lowercase letters, digits and underscores, as Meta does.")
    if not LANGUAGE_CODE.fullmatch(language.strip()):
        raise refuse("language", "Use Meta's language code, such as en_US or pt_BR.")
    if category not in TemplateCategory.values:
        raise refuse("category", f"Choose one of {', '.join(TemplateCategory.values)}.")
    language = canonical_language(language)
    meta_template_id = meta_template_id or None
    live = WhatsAppTemplate.objects.filter(
        business_account_id=phone_number.business_account_id, deleted_at__isnull=True
    )
    if meta_template_id is not None:
        if not META_TEMPLATE_ID.fullmatch(meta_template_id) or int(meta_template_id) > INT64_MAX:
            raise refuse("meta_template_id", "Meta template ids are 64-bit integers.")
        # Only within the caller's own business account: whether another organization uses an
        # id is none of the caller's business, and cannot block them.
        if live.filter(meta_template_id=meta_template_id).exists():
            raise refuse(
                "meta_template_id",
                "This business account already has a template with this Meta id.",
            )
    if live.filter(name=name, language=language).exists():
        raise refuse(
            "name", "This business account already has a template with this name and language."
        )
    return {
        "name": name,
        "language": language,
        "category": category,
        "meta_template_id": meta_template_id,
    }


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


@transaction.atomic
def update_phone_number(
    *,
    phone_number: PhoneNumber,
    business_account: BusinessAccount,
    display_phone_number: str,
    verified_name: str = "",
) -> PhoneNumber:
    """A person corrects a number's details or its business account; Meta's id of the number
    (`phone_number_id`) never changes: another id is another number."""
    phone_number = PhoneNumber.objects.select_for_update().get(pk=phone_number.pk)
    phone_number.business_account = business_account
    phone_number.display_phone_number = display_phone_number
    phone_number.verified_name = verified_name
    phone_number.save(update_fields=["business_account", "display_phone_number", "verified_name"])
    return phone_number


def create_template(
    *,
    phone_number: PhoneNumber,
    name: str,
    language: str,
    category: str = "",
    meta_template_id: str | None = None,
) -> WhatsAppTemplate:
    """A template submitted through PyTake: PENDING with quality UNKNOWN until Meta rules.

    Its fields must pass `check_new_template` (else ApplicationError, nothing saved).
    """
    fields = check_new_template(
        phone_number=phone_number,
        name=name,
        language=language,
        category=category,
        meta_template_id=meta_template_id,
    )
    account = phone_number.business_account
    try:
        with transaction.atomic():
            return WhatsAppTemplate.objects.create(
                organization_id=account.organization_id,
                business_account=account,
                phone_number=phone_number,
                pending_since=timezone.now(),
                **fields,
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
