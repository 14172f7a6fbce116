"""Alerts follow their template (Meta's bad news raises them, its good news resolves them)
and their business account (a token that stopped working, a WABA claimed by its owner)."""

from __future__ import annotations

from typing import Any

from alerts.services import lifecycle as services
from templates_app.signals import BusinessAccountEvent, TemplateChange


def template_status_changed(sender: type, *, change: TemplateChange, **kwargs: Any) -> None:
    services.follow_template_status(change=change)


def template_quality_changed(sender: type, *, change: TemplateChange, **kwargs: Any) -> None:
    services.follow_template_quality(change=change)


def template_correct_category_detected(
    sender: type, *, change: TemplateChange, **kwargs: Any
) -> None:
    services.follow_correct_category(change=change)


def business_account_event(sender: type, *, event: BusinessAccountEvent, **kwargs: Any) -> None:
    services.follow_account_event(event=event)
