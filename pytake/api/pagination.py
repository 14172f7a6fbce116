"""Pagination whose numbers are checked: a page or page size out of range is a 400, not a 500."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import pagination, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.views import APIView

# Beyond any list this service keeps; a larger number is a mistake or a probe.
MAX_PAGE_NUMBER = 1_000_000


class PageQuerySerializer(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, max_value=MAX_PAGE_NUMBER, required=False)
    page_size = serializers.IntegerField(min_value=1, required=False)


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(
        self, queryset: QuerySet, request: Request, view: APIView | None = None
    ) -> list[Any] | None:
        query = PageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page_size = query.validated_data.get("page_size")
        if page_size is not None and page_size > self.max_page_size:
            raise ValidationError(
                {"page_size": [f"Ensure this value is less than or equal to {self.max_page_size}."]}
            )
        try:
            return super().paginate_queryset(queryset, request, view)
        except pagination.NotFound as exc:
            # A page past the last one: DRF says 404, but it is a number out of range.
            raise ValidationError({"page": [str(exc.detail)]}) from exc

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        """DRF's parameters, with the bounds that are checked above."""
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.page_query_param: {"minimum": 1, "maximum": MAX_PAGE_NUMBER},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size},
        }
        for parameter in parameters:
            parameter["schema"] = {**parameter["schema"], **bounds.get(parameter["name"], {})}
        return parameters
