"""Filters of the organization's template list. A value outside a filter's choices is a 400."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from rest_framework.request import Request

from organizations.selectors import organizations_visible_to
from pytake.api import filters
from templates_app import selectors
from templates_app.models import QualityScore, TemplateCategory, TemplateStatus, WhatsAppTemplate

BOOLEAN_CHOICES = (("true", "true"), ("false", "false"))


def _accounts(request: Request | None):
    return selectors.business_accounts_for(request.user) if request else None


def _organizations(request: Request | None):
    return organizations_visible_to(request.user) if request else None


class StableOrderingFilter(django_filters.OrderingFilter):
    """The chosen ordering, then the list's own (name, language, primary key): ties read in a
    known order and no template falls between two pages."""

    def filter(self, qs: QuerySet, value: list[str] | None) -> QuerySet:
        chosen = [self.get_ordering_value(param) for param in value or () if param]
        return qs.order_by(*chosen, *qs.query.order_by) if chosen else qs


class TemplateFilter(django_filters.FilterSet):
    # distinct=False: a template's own columns, no join that could repeat it.
    status = filters.MultipleChoiceFilter(
        distinct=False,
        choices=TemplateStatus.choices,
        help_text="Repeatable: ?status=PAUSED&status=DISABLED",
    )
    quality = filters.MultipleChoiceFilter(
        distinct=False,
        field_name="quality_score",
        choices=QualityScore.choices,
        help_text="Repeatable.",
    )
    category = filters.ChoiceFilter(choices=TemplateCategory.choices)
    business_account = django_filters.ModelChoiceFilter(
        queryset=_accounts, help_text="A business account of the organization, by id."
    )
    organization = django_filters.ModelChoiceFilter(
        queryset=_organizations, help_text="For a super admin: one organization's templates."
    )
    needs_attention = filters.TypedChoiceFilter(
        choices=BOOLEAN_CHOICES,
        coerce=lambda value: value == "true",
        method="filter_needs_attention",
        help_text="true: the templates the critical list shows; false: the others.",
    )
    search = django_filters.CharFilter(
        method="filter_search", help_text="Part of the name, or the exact Meta template id."
    )
    ordering = StableOrderingFilter(
        fields=(
            ("name", "name"),
            ("status", "status"),
            ("quality_rank", "quality"),
            ("last_change_at", "last_change"),
        ),
        help_text="name, status, quality (best first) or last_change; prefix - to reverse.",
    )

    class Meta:
        model = WhatsAppTemplate
        fields = [
            "status",
            "quality",
            "category",
            "business_account",
            "organization",
            "needs_attention",
            "search",
            "ordering",
        ]

    def filter_needs_attention(
        self, queryset: QuerySet[WhatsAppTemplate], name: str, value: bool | str
    ) -> QuerySet[WhatsAppTemplate]:
        if value in (None, ""):
            return queryset
        return selectors.with_attention(queryset, needed=bool(value))

    def filter_search(
        self, queryset: QuerySet[WhatsAppTemplate], name: str, value: str
    ) -> QuerySet[WhatsAppTemplate]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(meta_template_id=value))
