from __future__ import annotations

from django.db.models import QuerySet

from organizations.models import User
from organizations.permissions import scope_to_organization
from templates_app.models import BusinessAccount, PhoneNumber, WhatsAppTemplate


def business_accounts_for(user: User) -> QuerySet[BusinessAccount]:
    return scope_to_organization(BusinessAccount.objects.all(), user)


def phone_numbers_for(user: User) -> QuerySet[PhoneNumber]:
    numbers = PhoneNumber.objects.select_related("business_account")
    return scope_to_organization(numbers, user, field="business_account__organization")


def templates_for(user: User) -> QuerySet[WhatsAppTemplate]:
    templates = WhatsAppTemplate.objects.filter(deleted_at__isnull=True)
    return scope_to_organization(templates, user)


def templates_of_number(user: User, *, phone_number: PhoneNumber) -> QuerySet[WhatsAppTemplate]:
    return templates_for(user).filter(phone_number=phone_number)
