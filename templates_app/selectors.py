from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from organizations.models import User
from organizations.permissions import scope_to_organization
from templates_app.models import BusinessAccount, PhoneNumber, SyncRun, WhatsAppTemplate

# The statuses of an alert not resolved yet, as the alerts app spells them
# (`alerts.models.Alert.OPEN_STATUSES`): this app may not import it, and a test keeps the two equal.
OPEN_ALERT_STATUSES = ("OPEN", "ACKNOWLEDGED")


def business_accounts_for(user: User) -> QuerySet[BusinessAccount]:
    return scope_to_organization(BusinessAccount.objects.all(), user)


def phone_numbers_for(user: User) -> QuerySet[PhoneNumber]:
    numbers = PhoneNumber.objects.select_related("business_account")
    return scope_to_organization(numbers, user, field="business_account__organization")


def templates_for(user: User) -> QuerySet[WhatsAppTemplate]:
    templates = WhatsAppTemplate.objects.filter(deleted_at__isnull=True)
    return scope_to_organization(templates, user)


def templates_of_number(user: User, *, phone_number: PhoneNumber) -> QuerySet[WhatsAppTemplate]:
    """The number's templates, each with `open_alerts`: how many of its alerts are unresolved."""
    return with_open_alerts(templates_for(user).filter(phone_number=phone_number))


def with_open_alerts(templates: QuerySet[WhatsAppTemplate]) -> QuerySet[WhatsAppTemplate]:
    """Annotate `open_alerts` through the `alerts` reverse relation, in the same query."""
    # A GROUP BY drops the model's default ordering: name it again, pages must be stable.
    return templates.annotate(
        open_alerts=Count("alerts", filter=Q(alerts__status__in=OPEN_ALERT_STATUSES))
    ).order_by("name", "language", "pk")


def sync_runs_of(account: BusinessAccount) -> QuerySet[SyncRun]:
    """The account's syncs with Meta, newest first (the caller scoped the account)."""
    return SyncRun.objects.filter(business_account=account).order_by("-requested_at", "-id")
