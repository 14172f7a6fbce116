"""Live messages for what other apps announce by signal: template changes."""

from __future__ import annotations

from typing import Any

from organizations import broadcast
from templates_app.signals import TemplateChange


def template_changed(sender: type, *, change: TemplateChange, **kwargs: Any) -> None:
    broadcast.announce_template_change(change=change)
