import django_filters

from audit.models import AuditLog


class AuditLogFilter(django_filters.FilterSet):
    action = django_filters.CharFilter(help_text="e.g. campaign.paused")
    actor_type = django_filters.ChoiceFilter(choices=AuditLog.ActorType.choices)
    target_type = django_filters.CharFilter(help_text="template, campaign or alert")
    target_id = django_filters.CharFilter()
    since = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", help_text="Entries recorded at or after."
    )
    until = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", help_text="Entries recorded before."
    )

    class Meta:
        model = AuditLog
        fields = ["action", "actor_type", "target_type", "target_id", "since", "until"]
