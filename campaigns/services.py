"""Writes to campaigns."""

from __future__ import annotations

from django.db import transaction

from campaigns.models import Campaign
from pytake.exceptions import ApplicationError
from templates_app.models import WhatsAppTemplate


@transaction.atomic
def create_campaign(
    *,
    template: WhatsAppTemplate,
    name: str,
    status: str = Campaign.Status.DRAFT,
    auto_resume: bool = False,
) -> Campaign:
    if status in Campaign.SENDING_STATUSES and template.is_blocked:
        raise ApplicationError(
            f"Template {template.name} ({template.language}) is {template.status}: "
            f"a campaign using it cannot be {status}.",
            extra={"template": str(template.pk), "template_status": template.status},
        )
    return Campaign.objects.create(
        organization_id=template.organization_id,
        template=template,
        name=name,
        status=status,
        auto_resume=auto_resume,
    )
