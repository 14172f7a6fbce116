"""What people add and change in the admin, recorded in the audit trail.

Apart from audit/admin.py so that the project's admin site can use it while the apps' admins are
still being registered.
"""

from typing import Any

from django.contrib.admin.models import LogEntry
from django.db.models import Model
from django.http import HttpRequest

from audit import services


class AuditedChangesMixin:
    """An admin whose additions and changes also go to the audit trail, with the person and
    the values the form changed (deletions are audited by the services that soft-delete).

    The project's admin site (pytake/admin_site.py) adds it to the admins of the models the
    audit trail follows."""

    def log_addition(self, request: HttpRequest, obj: Model, message: Any) -> LogEntry:
        entry = super().log_addition(request, obj, message)  # type: ignore[misc]
        services.record_admin_change(log_entry=entry)
        return entry

    def log_change(self, request: HttpRequest, obj: Model, message: Any) -> LogEntry:
        entry = super().log_change(request, obj, message)  # type: ignore[misc]
        services.record_admin_change(log_entry=entry)
        return entry
