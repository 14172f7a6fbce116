import django_filters

from audit.models import AuditLog
from pytake.api import filters


class AuditLogFilter(django_filters.FilterSet):
    action = django_filters.CharFilter(help_text="e.g. campaign.paused")
    actor_type = filters.ChoiceFilter(choices=AuditLog.ActorType.choices)
    target_type = django_filters.CharFilter(help_text="template, campaign or alert")
    target_id = django_filters.CharFilter()
    since = filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", help_text="Entries recorded at or after."
    )
    until = filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", help_text="Entries recorded before."
    )

    class Meta:
        model = AuditLog
        fields = ["action", "actor_type", "target_type", "target_id", "since", "until"]
