import uuid

from django.conf import settings
from django.db import models

from alerts.fields import EncryptedTextField
from organizations.models import Organization
from templates_app.models import BusinessAccount, PhoneNumber, WhatsAppTemplate


class Alert(models.Model):
    """Something a person should see once: raised, maybe escalated, resolved.

    Most alerts are about a template; a few are about a business account itself (its Meta
    access token stopped working, another organization proved the WABA is theirs).
    """

    class Kind(models.TextChoices):
        TEMPLATE_DISABLED = "TEMPLATE_DISABLED", "Template disabled"
        TEMPLATE_QUALITY_RED = "TEMPLATE_QUALITY_RED", "Quality red"
        TEMPLATE_PAUSED = "TEMPLATE_PAUSED", "Template paused or locked"
        TEMPLATE_FLAGGED = "TEMPLATE_FLAGGED", "Template flagged"
        TEMPLATE_QUALITY_YELLOW = "TEMPLATE_QUALITY_YELLOW", "Quality yellow"
        TEMPLATE_REJECTED = "TEMPLATE_REJECTED", "Template rejected"
        TEMPLATE_CATEGORY_MISMATCH = "TEMPLATE_CATEGORY_MISMATCH", "Wrong category"
        TEMPLATE_PENDING_TOO_LONG = "TEMPLATE_PENDING_TOO_LONG", "Pending too long"
        TEMPLATE_SECOND_PAUSE = "TEMPLATE_SECOND_PAUSE", "Paused a second time: next is a disable"
        TEMPLATE_FLAGGED_FOR_DISABLE = "TEMPLATE_FLAGGED_FOR_DISABLE", "To be disabled on a date"
        TEMPLATE_PAUSE_OVERDUE = "TEMPLATE_PAUSE_OVERDUE", "Still paused after it was due back"
        TEMPLATE_READ_RATE_FALLING = "TEMPLATE_READ_RATE_FALLING", "Read rate falling"
        ACCOUNT_TOKEN_INVALID = "ACCOUNT_TOKEN_INVALID", "Meta access token no longer works"
        ACCOUNT_RELEASED = "ACCOUNT_RELEASED", "Business account claimed by its owner"
        ACCOUNT_DISABLED = "ACCOUNT_DISABLED", "Business account disabled"
        ACCOUNT_DISABLE_SCHEDULED = "ACCOUNT_DISABLE_SCHEDULED", "Business account to be disabled"
        ACCOUNT_RESTRICTED = "ACCOUNT_RESTRICTED", "Business account restricted from messaging"
        ACCOUNT_VIOLATION = "ACCOUNT_VIOLATION", "Policy violation on the business account"
        ACCOUNT_DISCONNECTED = "ACCOUNT_DISCONNECTED", "Business account disconnected"
        ACCOUNT_META_ALERT = "ACCOUNT_META_ALERT", "Meta's alert about the account"
        NUMBER_FLAGGED = "NUMBER_FLAGGED", "Phone number flagged"
        NUMBER_LIMIT_LOWERED = "NUMBER_LIMIT_LOWERED", "Phone number's limit lowered"
        HEALTH_BLOCKED = "HEALTH_BLOCKED", "Meta's health check: the account cannot send"
        NUMBER_HEALTH_BLOCKED = "NUMBER_HEALTH_BLOCKED", "Meta's health check: a number cannot send"

    class Severity(models.TextChoices):
        INFO = "INFO"
        WARNING = "WARNING"
        CRITICAL = "CRITICAL"

    class Status(models.TextChoices):
        OPEN = "OPEN"
        ACKNOWLEDGED = "ACKNOWLEDGED"
        RESOLVED = "RESOLVED"

    # Not resolved yet: at most one such alert per template and kind. The same literals are in
    # templates_app.selectors (which may not import this app); a test keeps the two equal.
    OPEN_STATUSES = (Status.OPEN, Status.ACKNOWLEDGED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="alerts")
    template = models.ForeignKey(
        WhatsAppTemplate, on_delete=models.PROTECT, related_name="alerts", null=True, blank=True
    )
    # Set for an alert about the account itself (no template).
    business_account = models.ForeignKey(
        BusinessAccount, on_delete=models.PROTECT, related_name="alerts", null=True, blank=True
    )
    # Set, with its account, for an alert about one phone number (flagged, its limit lowered).
    phone_number = models.ForeignKey(
        PhoneNumber, on_delete=models.PROTECT, related_name="alerts", null=True, blank=True
    )
    kind = models.CharField(max_length=50, choices=Kind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.OPEN)
    title = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    occurrences = models.PositiveIntegerField(
        default=1, help_text="How many times the same news came while the alert was open."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="acknowledged_alerts",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resolved_alerts",
        help_text="Empty when the template's own recovery resolved it.",
    )
    resolution = models.CharField(max_length=300, blank=True, help_text="Why it was resolved.")
    escalated_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="escalated_from",
        help_text="The graver alert that replaced this one.",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["organization", "status", "severity"], name="alert_org_status_idx"
            ),
            models.Index(fields=["template", "status"], name="alert_template_status_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "kind"],
                condition=models.Q(status__in=["OPEN", "ACKNOWLEDGED"]),
                name="alert_one_open_per_template_kind",
            ),
            models.UniqueConstraint(
                fields=["business_account", "kind"],
                condition=models.Q(
                    status__in=["OPEN", "ACKNOWLEDGED"],
                    template__isnull=True,
                    phone_number__isnull=True,
                ),
                name="alert_one_open_per_account_kind",
            ),
            models.UniqueConstraint(
                fields=["phone_number", "kind"],
                condition=models.Q(status__in=["OPEN", "ACKNOWLEDGED"], template__isnull=True),
                name="alert_one_open_per_number_kind",
            ),
            # About a template, or about an account itself: never neither.
            models.CheckConstraint(
                condition=models.Q(template__isnull=False)
                | models.Q(business_account__isnull=False),
                name="alert_has_a_subject",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.severity} {self.kind} ({self.status})"

    @property
    def subject(self) -> WhatsAppTemplate | BusinessAccount:
        """What the alert is about: its template, else its business account."""
        return self.template if self.template_id else self.business_account


# Lowest first: a channel hears alerts at or above its minimum severity.
SEVERITY_ORDER = [Alert.Severity.INFO, Alert.Severity.WARNING, Alert.Severity.CRITICAL]


def severities_at_or_below(severity: str) -> list[str]:
    """The minimum severities of the channels that hear an alert of `severity`."""
    return [str(s) for s in SEVERITY_ORDER[: SEVERITY_ORDER.index(severity) + 1]]


class NotificationChannel(models.Model):
    """Where an organization hears of its alerts: an email list, Slack, or its own system."""

    class Kind(models.TextChoices):
        EMAIL = "email", "Email"
        SLACK = "slack", "Slack incoming webhook"
        WEBHOOK = "webhook", "Signed webhook"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="notification_channels"
    )
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    recipients = models.JSONField(default=list, blank=True, help_text="Email addresses.")
    # Slack's URL is itself the credential to post in the channel: like the Standard Webhooks
    # signing secret (whsec_…), encrypted at rest with Fernet, and never shown again.
    url = EncryptedTextField(blank=True, help_text="Slack's or the customer's URL.")
    secret = EncryptedTextField(blank=True)
    min_severity = models.CharField(
        max_length=10, choices=Alert.Severity.choices, default=Alert.Severity.WARNING
    )
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def url_hint(self) -> str:
        """The URL with its last part hidden, enough to tell channels apart: `…/T000/B000/****`
        for `https://hooks.slack.com/services/T000/B000/XXXX`; "" when there is none."""
        if not self.url:
            return ""
        path = self.url.split("?", 1)[0].split("#", 1)[0].rstrip("/").split("/")[3:]
        return "/".join(["…", *path[:-1][-2:], "****"])


class NotificationDelivery(models.Model):
    """One message to one channel: an alert, a digest of alerts, or a test; and its attempts."""

    class Kind(models.TextChoices):
        ALERT = "alert"
        DIGEST = "digest"
        TEST = "test"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending"
        SENT = "sent"
        RETRYING = "retrying", "Failed, will retry"
        FAILED = "failed", "Failed for good"
        IN_DIGEST = "in_digest", "Sent in a digest"

    # Waiting for an attempt, at or after `next_attempt_at`.
    DUE_STATUSES = (Status.PENDING, Status.RETRYING)

    channel = models.ForeignKey(
        NotificationChannel, on_delete=models.CASCADE, related_name="deliveries"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ALERT)
    alert = models.ForeignKey(
        Alert, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    digest = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="digested",
        help_text="The digest this alert's message was folded into.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=5)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "notification deliveries"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notify_due_idx"),
            models.Index(
                fields=["channel", "kind", "created_at"], name="notify_channel_recent_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.channel} ({self.status})"
