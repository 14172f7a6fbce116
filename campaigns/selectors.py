from __future__ import annotations

from django.db.models import QuerySet

from campaigns.models import Campaign
from organizations.models import User
from organizations.permissions import scope_to_organization


def campaigns_for(user: User) -> QuerySet[Campaign]:
    campaigns = Campaign.objects.filter(deleted_at__isnull=True).select_related("template")
    return scope_to_organization(campaigns, user)
