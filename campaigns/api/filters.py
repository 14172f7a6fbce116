import django_filters
from django.db.models import QuerySet

from campaigns import selectors
from campaigns.models import Campaign
from pytake.api import filters


class CampaignFilter(django_filters.FilterSet):
    status = filters.ChoiceFilter(choices=Campaign.Status.choices)
    template = django_filters.UUIDFilter(field_name="template_id")
    resumable = django_filters.BooleanFilter(
        method="filter_resumable", help_text="Paused, with a template Meta would send again."
    )

    class Meta:
        model = Campaign
        fields = ["status", "template", "resumable"]

    def filter_resumable(
        self, queryset: QuerySet[Campaign], name: str, value: bool | None
    ) -> QuerySet[Campaign]:
        if value is None:
            return queryset
        resumable = selectors.resumable_campaigns(queryset)
        return resumable if value else queryset.exclude(pk__in=resumable.values("pk"))
