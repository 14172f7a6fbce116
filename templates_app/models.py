from __future__ import annotations

import uuid
from datetime import datetime

from django.db import models

from organizations.models import Organization


class BusinessAccount(models.Model):
    """A WhatsApp Business Account (WABA); Meta's webhooks name it by `waba_id`.

    An account proven with a Meta access token that can see the WABA owns its id; an unproven
    one can be claimed by an organization that proves it, and is then released: it keeps its
    rows but no longer receives that WABA's webhooks or syncs.
    """

    class TokenStatus(models.TextChoices):
        MISSING = "missing", "No Meta access token is stored"
        STORED = "stored", "A Meta access token is stored"
        INVALID = "invalid", "Meta no longer accepts the access token"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="business_accounts"
    )
    waba_id = models.CharField("WABA id", max_length=32)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    # Fernet ciphertext (pytake.crypto); never shown, never logged.
    access_token_encrypted = models.TextField(blank=True, editable=False)
    token_status = models.CharField(
        max_length=10, choices=TokenStatus.choices, default=TokenStatus.MISSING, editable=False
    )
    ownership_verified_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When a token proved the WABA is ours."
    )
    released_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When an organization that proved the WABA claimed its id from this account.",
    )
    last_synced_at = models.DateTimeField(null=True, blank=True, editable=False)

    # What Meta says of the account (templates_app.services.sending_path); each group keeps
    # the time of the news it holds, so that older news never overwrites newer.
    review_decision = models.CharField(max_length=32, blank=True, editable=False)
    review_event_at = models.DateTimeField(null=True, blank=True, editable=False)
    ban_state = models.CharField(
        max_length=32, blank=True, editable=False, help_text="SCHEDULE_FOR_DISABLE, DISABLE…"
    )
    ban_date = models.DateField(null=True, blank=True, editable=False)
    ban_event_at = models.DateTimeField(null=True, blank=True, editable=False)
    # [{"restriction_type": "RESTRICTED_BIZ_INITIATED_MESSAGING", "expires_at": iso or null}]
    restrictions = models.JSONField(default=list, blank=True, editable=False)
    restrictions_event_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The last expiry of a restriction from starting conversations in force (none: none is).
    restricted_from_starting_until = models.DateTimeField(null=True, blank=True, editable=False)
    # [{"violation_type": "SCAM", "at": iso}], newest last.
    violations = models.JSONField(default=list, blank=True, editable=False)
    connection_state = models.CharField(
        max_length=32, blank=True, editable=False, help_text="ACCOUNT_OFFBOARDED, PARTNER_REMOVED"
    )
    connection_event_at = models.DateTimeField(null=True, blank=True, editable=False)
    max_daily_conversations = models.PositiveIntegerField(null=True, blank=True, editable=False)
    max_phone_numbers = models.PositiveIntegerField(null=True, blank=True, editable=False)
    capability_event_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Meta's own answer to "can it send?" (GET /{waba_id}?fields=health_status), as read.
    health_status = models.JSONField(default=dict, blank=True, editable=False)
    health_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Meta's last answer was BLOCKED (a column of its own: lists filter on it).
    health_blocked = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            # One live account per WABA; released ones keep their rows beside the claimer's.
            models.UniqueConstraint(
                fields=["waba_id"],
                condition=models.Q(released_at__isnull=True),
                name="business_account_unique_live_waba",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.waba_id})"

    @property
    def has_access_token(self) -> bool:
        return bool(self.access_token_encrypted)

    @property
    def ownership_proven(self) -> bool:
        return self.ownership_verified_at is not None


class PhoneNumber(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    business_account = models.ForeignKey(
        BusinessAccount, on_delete=models.PROTECT, related_name="phone_numbers"
    )
    phone_number_id = models.CharField(max_length=32, unique=True)
    display_phone_number = models.CharField(max_length=32)
    verified_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # What Meta says of the number (templates_app.services.sending_path), each with its time.
    status = models.CharField(
        max_length=32, blank=True, editable=False, help_text="CONNECTED, FLAGGED, RESTRICTED…"
    )
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    quality_rating = models.CharField(max_length=16, blank=True, editable=False)
    quality_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    messaging_limit = models.CharField(max_length=32, blank=True, editable=False)
    max_daily_conversations = models.PositiveIntegerField(null=True, blank=True, editable=False)
    throughput_level = models.CharField(max_length=32, blank=True, editable=False)
    limit_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The time of the latest phone_number_quality_update applied: older ones are stale.
    quality_event_at = models.DateTimeField(null=True, blank=True, editable=False)
    name_status = models.CharField(max_length=32, blank=True, editable=False)
    requested_verified_name = models.CharField(max_length=512, blank=True, editable=False)
    name_rejection_reason = models.TextField(blank=True, editable=False)
    name_event_at = models.DateTimeField(null=True, blank=True, editable=False)
    health_status = models.JSONField(default=dict, blank=True, editable=False)
    health_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    health_blocked = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["display_phone_number"]

    def __str__(self) -> str:
        return self.display_phone_number


class TemplateStatus(models.TextChoices):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    PAUSED = "PAUSED"
    DISABLED = "DISABLED"
    FLAGGED = "FLAGGED"
    IN_APPEAL = "IN_APPEAL"
    PENDING_DELETION = "PENDING_DELETION"
    DELETED = "DELETED"
    ARCHIVED = "ARCHIVED"
    LOCKED = "LOCKED"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"


# Statuses under which Meta refuses to send the template; a FLAGGED template still sends.
BLOCKED_STATUSES: frozenset[str] = frozenset(
    {
        TemplateStatus.PAUSED,
        TemplateStatus.DISABLED,
        TemplateStatus.REJECTED,
        TemplateStatus.PENDING_DELETION,
        TemplateStatus.DELETED,
        TemplateStatus.ARCHIVED,
        TemplateStatus.LOCKED,
        TemplateStatus.LIMIT_EXCEEDED,
    }
)


# Statuses under which Meta sends the template; PENDING and IN_APPEAL await its verdict.
SENDABLE_STATUSES: frozenset[str] = frozenset({TemplateStatus.APPROVED, TemplateStatus.FLAGGED})


class QualityScore(models.TextChoices):
    GREEN = "GREEN"
    YELLOW = "YELLOW"
    RED = "RED"
    UNKNOWN = "UNKNOWN"


class TemplateCategory(models.TextChoices):
    MARKETING = "MARKETING"
    UTILITY = "UTILITY"
    AUTHENTICATION = "AUTHENTICATION"


class WhatsAppTemplate(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="templates"
    )
    business_account = models.ForeignKey(
        BusinessAccount, on_delete=models.PROTECT, related_name="templates"
    )
    phone_number = models.ForeignKey(
        PhoneNumber, on_delete=models.SET_NULL, related_name="templates", null=True, blank=True
    )
    # NULL, not "", for templates Meta has not numbered yet: the unique constraint skips NULLs.
    meta_template_id = models.CharField(  # noqa: DJ001
        "Meta template id", max_length=19, null=True, blank=True, help_text="int64, kept exact"
    )
    name = models.CharField(max_length=512)
    language = models.CharField(max_length=16, help_text="Meta's code, e.g. en_US")
    # Free text: Meta adds categories; TemplateCategory lists the ones known today.
    category = models.CharField(max_length=32, blank=True)
    status = models.CharField(
        max_length=20, choices=TemplateStatus.choices, default=TemplateStatus.PENDING
    )
    quality_score = models.CharField(
        max_length=10, choices=QualityScore.choices, default=QualityScore.UNKNOWN
    )

    rejection_reason = models.TextField(blank=True)
    rejection_recommendation = models.TextField(blank=True)
    disabled_reason = models.CharField(max_length=64, blank=True)
    disable_date = models.DateTimeField(null=True, blank=True)
    paused_title = models.CharField(max_length=64, blank=True)
    pause_description = models.TextField(blank=True)
    status_before_archive = models.CharField(
        max_length=20, choices=TemplateStatus.choices, blank=True
    )
    upcoming_category = models.CharField(max_length=32, blank=True)
    category_change_at = models.DateTimeField(null=True, blank=True)
    # Meta found the template is really of this category (and charges its messages as such).
    correct_category = models.CharField(max_length=32, blank=True)
    correct_category_detected_at = models.DateTimeField(null=True, blank=True)
    components = models.JSONField(default=dict, blank=True)

    pending_since = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    quality_updated_at = models.DateTimeField(null=True, blank=True)

    # Meta's time of the last event applied, one per dimension: each is ordered on its own.
    status_event_at = models.DateTimeField(null=True, blank=True)
    quality_event_at = models.DateTimeField(null=True, blank=True)
    category_event_at = models.DateTimeField(null=True, blank=True)
    components_event_at = models.DateTimeField(null=True, blank=True)

    # Meta's template analytics over the last 30 days, refreshed by each sync.
    sent_count = models.PositiveBigIntegerField(
        default=0, help_text="Messages Meta sent with this template in the last 30 days."
    )
    delivered_count = models.PositiveBigIntegerField(
        default=0, editable=False, help_text="Messages Meta delivered in the last 30 days."
    )
    read_count = models.PositiveBigIntegerField(
        default=0, editable=False, help_text="Messages read in the last 30 days."
    )
    failed_count = models.PositiveBigIntegerField(
        default=0,
        help_text="Sent minus delivered, counted only over days older than 48 hours (a message "
        "may still be delivered within that time), in the last 30 days.",
    )
    counts_updated_at = models.DateTimeField(null=True, blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "language"]
        verbose_name = "WhatsApp template"
        constraints = [
            # Meta's id is unique within its business account: another organization's claim
            # to an id can never block the account that really owns it.
            models.UniqueConstraint(
                fields=["business_account", "meta_template_id"],
                condition=models.Q(meta_template_id__isnull=False),
                name="template_unique_meta_id_per_waba",
            ),
            models.UniqueConstraint(
                fields=["business_account", "name", "language"],
                condition=models.Q(deleted_at__isnull=True),
                name="template_unique_name_language_per_waba",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status"], name="template_org_status_idx"),
            models.Index(fields=["organization", "quality_score"], name="template_org_quality_idx"),
            # The quality summary reads only these columns of the live templates: an index-only
            # scan instead of a visit to every row of the organization.
            models.Index(
                fields=["organization", "status", "quality_score", "sent_count", "failed_count"],
                condition=models.Q(deleted_at__isnull=True),
                name="template_org_live_status_idx",
            ),
            # The organization's list in its default order, a page at a time without a sort.
            models.Index(
                fields=["organization", "name", "language", "id"],
                condition=models.Q(deleted_at__isnull=True),
                name="template_org_live_name_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"

    @property
    def is_blocked(self) -> bool:
        return self.status in BLOCKED_STATUSES

    @property
    def last_event_at(self) -> datetime | None:
        times = [
            t
            for t in (
                self.status_event_at,
                self.quality_event_at,
                self.category_event_at,
                self.components_event_at,
            )
            if t is not None
        ]
        return max(times, default=None)


class WebhookDelivery(models.Model):
    """One POST from Meta, stored as received before anything is applied."""

    class Status(models.TextChoices):
        RECEIVED = "received"
        PROCESSED = "processed"
        FAILED = "failed"
        IGNORED = "ignored"
        # Signed by Meta's secret but unreadable (not JSON, not a WABA envelope): kept to show.
        REJECTED = "rejected"

    body = models.BinaryField(help_text="The raw bytes Meta signed.")
    body_sha256 = models.CharField(max_length=64, unique=True)
    headers = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    fields = models.CharField(
        max_length=200, blank=True, help_text="Meta's `field` of each change, comma-separated."
    )
    waba_ids = models.CharField(max_length=200, blank=True)
    outcomes = models.JSONField(
        default=list, blank=True, help_text="Where each change stands: its latest outcome."
    )
    history = models.JSONField(
        default=list,
        blank=True,
        help_text="Every attempt to apply it: number, time, status, per-change outcomes, error.",
    )
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["status", "received_at"], name="delivery_status_idx")]

    def __str__(self) -> str:
        return f"Delivery {self.pk} ({self.status})"

    @property
    def body_text(self) -> str:
        return bytes(self.body).decode("utf-8", errors="replace")


class SyncRun(models.Model):
    """One sync of a business account's templates with Meta's Graph API."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to run"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Finished"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        USER = "user", "Asked for by a person"
        SCHEDULE = "schedule", "Scheduled"
        WEBHOOK = "webhook", "A webhook named a template we did not know"
        RETRY = "retry", "Retry once Meta's rate limit allows"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)

    business_account = models.ForeignKey(
        BusinessAccount, on_delete=models.CASCADE, related_name="sync_runs"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.USER)
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    pages = models.PositiveIntegerField(default=0)
    templates_seen = models.PositiveIntegerField(default=0)
    changes_applied = models.PositiveIntegerField(default=0)
    templates_created = models.PositiveIntegerField(default=0)
    templates_deleted = models.PositiveIntegerField(default=0)
    listing_complete = models.BooleanField(
        default=False, help_text="Meta listed every template: absent ones were marked deleted."
    )
    errors = models.JSONField(default=list, blank=True, help_text="One sentence per problem.")

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One sync at a time per account: a second request while one waits or runs is a 409.
            models.UniqueConstraint(
                fields=["business_account"],
                condition=models.Q(status__in=["queued", "running"]),
                name="sync_run_one_active_per_account",
            ),
        ]

    def __str__(self) -> str:
        return f"Sync {self.pk} of {self.business_account_id} ({self.status})"


class TemplatePause(models.Model):
    """One pause Meta put on a template, kept with Meta's own title and description.

    The pause ladder (a first pause of 3 hours, a second of 6, then a disable) is read from
    these rows: `expected_back_at` is when Meta said (or its rule says) the template returns,
    `ended_at` when news said it did. A pause by pacing (RATE_LIMITING_PAUSE) never ends by
    itself: it is lifted with Meta's unpause call.
    """

    id = models.BigAutoField(primary_key=True)
    template = models.ForeignKey(WhatsAppTemplate, on_delete=models.CASCADE, related_name="pauses")
    title = models.CharField(max_length=64, blank=True, help_text="Meta's other_info.title.")
    description = models.TextField(blank=True, help_text="Meta's other_info.description.")
    paused_at = models.DateTimeField(help_text="Meta's time of the pause (entry.time).")
    expected_back_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.CharField(
        max_length=64, blank=True, help_text="The news that ended it (UNPAUSE, REINSTATED…)."
    )
    delivery_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["template", "paused_at", "id"]
        constraints = [
            # The same news applied again records nothing twice.
            models.UniqueConstraint(
                fields=["template", "paused_at", "title"], name="template_pause_unique_news"
            ),
        ]
        indexes = [
            models.Index(
                fields=["expected_back_at"],
                condition=models.Q(ended_at__isnull=True),
                name="template_pause_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title or 'Pause'} of {self.template_id} at {self.paused_at:%Y-%m-%d %H:%M}"


class TemplateDailyCounts(models.Model):
    """Meta's counts of one template over one day (UTC), from `template_analytics`."""

    id = models.BigAutoField(primary_key=True)
    template = models.ForeignKey(
        WhatsAppTemplate, on_delete=models.CASCADE, related_name="daily_counts"
    )
    day = models.DateField()
    sent = models.PositiveBigIntegerField(default=0)
    delivered = models.PositiveBigIntegerField(default=0)
    read = models.PositiveBigIntegerField(default=0)
    # Clicks on any of the template's buttons.
    clicked = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["template", "day"]
        constraints = [
            models.UniqueConstraint(fields=["template", "day"], name="template_daily_counts_day")
        ]

    def __str__(self) -> str:
        return f"{self.template_id} on {self.day}: {self.sent} sent"
