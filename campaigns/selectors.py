from __future__ import annotations

from django.db.models import Q, QuerySet

from campaigns.models import Campaign
from organizations.models import User
from organizations.permissions import scope_to_organization
from templates_app.models import BLOCKED_STATUSES

# Paused, with a template Meta would send again (the query form of `Campaign.resumable`).
RESUMABLE = Q(status=Campaign.Status.PAUSED) & ~Q(template__status__in=BLOCKED_STATUSES)


def campaigns_for(user: User) -> QuerySet[Campaign]:
    """The user's organization's campaigns that are not deleted, with their template."""
    campaigns = Campaign.objects.filter(deleted_at__isnull=True).select_related("template")
    return scope_to_organization(campaigns, user)


def resumable_campaigns(campaigns: QuerySet[Campaign]) -> QuerySet[Campaign]:
    """Of `campaigns`, those a person may resume now."""
    return campaigns.filter(RESUMABLE)
