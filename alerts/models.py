import uuid

from django.conf import settings
from django.db import models

from organizations.models import Organization
from templates_app.models import WhatsAppTemplate


class Alert(models.Model):
    class Severity(models.TextChoices):
        INFO = "INFO"
        WARNING = "WARNING"
        CRITICAL = "CRITICAL"

    class Status(models.TextChoices):
        OPEN = "OPEN"
        ACKNOWLEDGED = "ACKNOWLEDGED"
        RESOLVED = "RESOLVED"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="alerts")
    template = models.ForeignKey(WhatsAppTemplate, on_delete=models.PROTECT, related_name="alerts")
    kind = models.CharField(max_length=50, help_text="What happened, e.g. quality_red.")
    severity = models.CharField(max_length=10, choices=Severity.choices)
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.OPEN)
    title = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="acknowledged_alerts",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["organization", "status", "severity"], name="alert_org_status_idx"
            ),
            models.Index(fields=["template", "status"], name="alert_template_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.severity} {self.kind} ({self.status})"
