"""Page-number pagination with a bounded ``page_size``; ``page_size=all`` means a CSV export."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

MAX_PAGE_SIZE = 500
EXPORT_ALL = "all"


class StandardPagination(PageNumberPagination):
    """``page`` and ``page_size`` (1 to 500); the body is ``{count, next, previous, results}``."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    page_size_query_description = (
        f"Rows per page, 1 to {MAX_PAGE_SIZE} (default 50). With `format=csv`, "
        f"`page_size={EXPORT_ALL}` streams every matching row."
    )

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        """The parameters with the ranges validation enforces (``page_size=all`` is told in
        the description: it depends on ``format``, which a schema cannot say)."""
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}
        return parameters

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param, "")
        if raw == "":
            return self.page_size
        message = (
            f"A whole number from 1 to {MAX_PAGE_SIZE}, or '{EXPORT_ALL}' together with format=csv."
        )
        try:
            size = int(raw)
        except ValueError:
            raise ValidationError({self.page_size_query_param: [message]}) from None
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise ValidationError({self.page_size_query_param: [message]})
        return size

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        raw = request.query_params.get(self.page_query_param, "")
        if raw not in ("", *self.last_page_strings) and not (raw.isdigit() and int(raw) >= 1):
            raise ValidationError(
                {self.page_query_param: ["A whole number from 1 (a page past the last is a 404)."]}
            )
        return super().paginate_queryset(queryset, request, view)


class FacetedPagination(StandardPagination):
    """Standard pagination whose body may also carry ``facets: {field: [{value, count}]}``."""

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        response = super().get_paginated_response_schema(schema)
        response["properties"]["facets"] = {
            "type": "object",
            "description": "Value counts over the filtered set, for each field asked in `facets`.",
            "additionalProperties": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "value": {"type": "string", "nullable": True},
                        "count": {"type": "integer"},
                    },
                    "required": ["value", "count"],
                },
            },
        }
        return response
