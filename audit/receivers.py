"""Audit entries for what other apps announce: template changes and admin changes."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.models import LogEntry

from audit import services
from templates_app.signals import BusinessAccountEvent, TemplateChange


def template_changed(sender: type, *, change: TemplateChange, **kwargs: Any) -> None:
    services.record_template_change(change=change)


def template_deleted(sender: type, *, template: Any, actor: Any, **kwargs: Any) -> None:
    services.record_template_deletion(template=template, actor=actor)


def business_account_event(sender: type, *, event: BusinessAccountEvent, **kwargs: Any) -> None:
    services.record_account_event(event=event)


def admin_log_entry_saved(
    sender: type, *, instance: LogEntry, created: bool, **kwargs: Any
) -> None:
    if created:
        services.record_admin_change(log_entry=instance)
