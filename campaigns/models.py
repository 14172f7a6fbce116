import uuid

from django.db import models

from organizations.models import Organization
from templates_app.models import WhatsAppTemplate


class Campaign(models.Model):
    class Status(models.TextChoices):
        DRAFT = "DRAFT"
        SCHEDULED = "SCHEDULED"
        ACTIVE = "ACTIVE"
        PAUSED = "PAUSED"
        COMPLETED = "COMPLETED"
        CANCELLED = "CANCELLED"

    # The statuses in which a campaign sends, or will send, its template.
    SENDING_STATUSES = (Status.ACTIVE, Status.SCHEDULED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="campaigns"
    )
    name = models.CharField(max_length=200)
    template = models.ForeignKey(
        WhatsAppTemplate, on_delete=models.PROTECT, related_name="campaigns"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    pause_reason = models.TextField(blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_by_template = models.BooleanField(
        default=False, help_text="Paused because Meta blocked its template, not by a person."
    )
    paused_by_account = models.BooleanField(
        default=False,
        help_text="Paused because Meta restricted or disabled its business account.",
    )
    status_before_pause = models.CharField(max_length=10, choices=Status.choices, blank=True)
    auto_resume = models.BooleanField(
        default=False, help_text="Resume by itself when Meta reinstates the template."
    )
    # Set while the campaign sends through a fallback: the template it was created with.
    original_template = models.ForeignKey(
        WhatsAppTemplate,
        on_delete=models.PROTECT,
        related_name="campaigns_moved_away",
        null=True,
        blank=True,
        help_text="The template the campaign left for a fallback while Meta blocked it.",
    )
    switched_from = models.ForeignKey(
        WhatsAppTemplate,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        help_text="The template the campaign last moved from.",
    )
    switch_back = models.BooleanField(
        default=False,
        help_text="Return to the original template by itself when Meta lets it send again.",
    )
    switched_at = models.DateTimeField(null=True, blank=True)
    switch_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["template", "status"], name="campaign_template_status_idx"),
            models.Index(fields=["organization", "status"], name="campaign_org_status_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def resumable(self) -> bool:
        """Paused, and its template would send again: a person may resume it."""
        return (
            self.status == self.Status.PAUSED
            and self.deleted_at is None
            and not self.template.is_blocked
        )


class CampaignFallback(models.Model):
    """One of a campaign's fallback templates, in the order they are tried."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="fallbacks")
    template = models.ForeignKey(
        WhatsAppTemplate, on_delete=models.PROTECT, related_name="fallback_for"
    )
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["campaign", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "template"], name="campaign_fallback_unique_template"
            ),
            models.UniqueConstraint(
                fields=["campaign", "position"], name="campaign_fallback_unique_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.template_id}"
