"""Campaigns follow their template: a block pauses them, its return may resume them."""

from __future__ import annotations

from typing import Any

from campaigns import services
from templates_app.signals import TemplateChange


def template_status_changed(sender: type, *, change: TemplateChange, **kwargs: Any) -> None:
    services.follow_template_status(change=change)
