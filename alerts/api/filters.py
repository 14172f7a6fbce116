import django_filters

from alerts.models import Alert
from pytake.api import filters


class AlertFilter(django_filters.FilterSet):
    status = filters.ChoiceFilter(choices=Alert.Status.choices)
    severity = filters.ChoiceFilter(choices=Alert.Severity.choices)
    kind = filters.ChoiceFilter(choices=Alert.Kind.choices)
    template = django_filters.UUIDFilter(field_name="template_id")

    class Meta:
        model = Alert
        fields = ["status", "severity", "kind", "template"]
