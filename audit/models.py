from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Coalesce

from audit.actions import action_sentence
from organizations.models import Organization


class AppendOnlyError(RuntimeError):
    """An audit entry was asked to change or disappear."""


class AuditLogQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Audit entries are append-only: they cannot be updated.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit entries are append-only: they cannot be deleted.")


class AuditLog(models.Model):
    """One change, as it happened. Written only by `audit.services.record`; never changed."""

    class ActorType(models.TextChoices):
        META = "meta"
        SYNC = "sync", "Sync with Meta"
        USER = "user"
        SYSTEM = "system"

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="audit_entries"
    )
    actor_type = models.CharField(max_length=10, choices=ActorType.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    target_name = models.CharField(max_length=600, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    event_at = models.DateTimeField(
        null=True, blank=True, help_text="When Meta says the event happened."
    )
    delivery_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The webhook delivery it came from."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["organization", "target_type", "target_id", "created_at"],
                name="audit_org_target_idx",
            ),
            models.Index(fields=["organization", "created_at"], name="audit_org_created_idx"),
            # The latest entries of one action (e.g. the quality summary's quality changes), in
            # the order Meta says they happened.
            models.Index(
                F("organization"),
                F("action"),
                Coalesce("event_at", "created_at").desc(),
                F("id").desc(),
                name="audit_org_action_event_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{action_sentence(self.action)}: {self.target_name or self.target_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit entries are append-only: they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit entries are append-only: they cannot be deleted.")
