import django_filters

from alerts.models import Alert


class AlertFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Alert.Status.choices)
    severity = django_filters.ChoiceFilter(choices=Alert.Severity.choices)
    kind = django_filters.ChoiceFilter(choices=Alert.Kind.choices)
    template = django_filters.UUIDFilter(field_name="template_id")

    class Meta:
        model = Alert
        fields = ["status", "severity", "kind", "template"]
