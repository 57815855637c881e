"""The behaviour every API ViewSet shares: JSON or CSV, a streamed CSV export of every row,
and JSON errors even when CSV was asked for."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from .pagination import EXPORT_ALL
from .renderers import csv_stream

EXPORT_CHUNK_SIZE = 2000
# Whole-table exports one server process streams at once; keep it below gunicorn's threads
# per worker so that other requests always find a free thread.
EXPORTS_PER_PROCESS: int = getattr(settings, "API_EXPORTS_PER_PROCESS", 2)
EXPORT_RETRY_AFTER_SECONDS = 30
_export_slots = threading.BoundedSemaphore(EXPORTS_PER_PROCESS)


class ExportsBusy(APIException):
    """Every export slot of this process is taken: 503 with ``Retry-After``."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Too many exports are running; retry later."
    default_code = "exports_busy"
    wait = EXPORT_RETRY_AFTER_SECONDS


class _SlotStream:
    """An export's chunks; closing it (the server does, finished or not) frees the slot."""

    def __init__(self, chunks: Iterator[str], release: Callable[[], None]) -> None:
        self._chunks = chunks
        self._release: Callable[[], None] | None = release

    def __iter__(self) -> _SlotStream:
        return self

    def __next__(self) -> str:
        return next(self._chunks)

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()
        self._free()

    def _free(self) -> None:
        release, self._release = self._release, None
        if release is not None:
            release()

    def __del__(self) -> None:
        """A response dropped without being closed (an error after the view) frees its slot."""
        self._free()


FORMAT_PARAMETER = OpenApiParameter(
    name="format",
    type=OpenApiTypes.STR,
    enum=["json", "csv"],
    location=OpenApiParameter.QUERY,
    description=(
        "`json` (default) or `csv`. CSV takes the same filters; with `page_size=all` it "
        "streams every matching row."
    ),
)


class ApiViewSetMixin:
    """Mixed into every ViewSet of the API."""

    export_filename: str = "export"
    # Query parameters of actions other than ``list`` (beside ``format``), by action.
    action_query_params: dict[str, tuple[str, ...]] = {}

    def allowed_query_params(self) -> set[str]:
        """The query parameters this request's action reads: ``format``; on a list, the
        pagination and its filters; on other actions, what ``action_query_params`` names."""
        allowed = {"format", *self.action_query_params.get(self.action, ())}  # type: ignore[attr-defined]
        if self.action == "list":  # type: ignore[attr-defined]
            allowed |= {"page", "page_size"}
            filterset = getattr(self, "filterset_class", None)
            if filterset is not None:
                allowed |= set(filterset.base_filters)
        return allowed

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """Refuse a query parameter the action does not read (a mistyped filter must not
        silently answer every row), and one given without a value (``?as_of=`` is a
        mistake, not a request for today). A method the view does not offer is left to
        answer 405."""
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        method = (request.method or "").lower()
        if method not in self.http_method_names or not hasattr(self, method):  # type: ignore[attr-defined]
            return
        allowed = self.allowed_query_params()
        unknown = sorted(set(request.query_params) - allowed)
        if unknown:
            valid = ", ".join(sorted(allowed))
            raise ValidationError(
                {name[:60]: [f"Unknown parameter; this endpoint takes: {valid}."]
                 for name in unknown[:10]}
            )  # fmt: skip
        empty = sorted(
            name for name, values in request.query_params.lists() if any(v == "" for v in values)
        )
        if empty:
            raise ValidationError(
                {name: ["Give a value, or leave the parameter out."] for name in empty[:10]}
            )

    def csv_header(self) -> list[str] | None:
        """The CSV columns: the serializer's fields, or None (the first row's keys) for a view
        without one."""
        if not hasattr(self, "get_serializer"):
            return None
        return list(self.get_serializer().fields)

    def wants_export(self, request: Request) -> bool:
        if request.query_params.get("page_size") != EXPORT_ALL:
            return False
        if getattr(request.accepted_renderer, "format", None) != "csv":
            raise ValidationError(
                {"page_size": [f"'{EXPORT_ALL}' is only allowed with format=csv."]}
            )
        return True

    def export_rows(self, queryset: QuerySet) -> Any:
        serializer = self.get_serializer()  # type: ignore[attr-defined]
        for obj in queryset.iterator(chunk_size=EXPORT_CHUNK_SIZE):
            yield serializer.to_representation(obj)

    def export_csv(self, queryset: QuerySet) -> StreamingHttpResponse:
        """Stream every row, holding one of the process's export slots until the server
        closes the response. A failure mid-stream propagates: the server then ends the
        connection without the final chunk, so the client sees an incomplete transfer."""
        if not _export_slots.acquire(blocking=False):
            raise ExportsBusy()
        try:
            chunks = csv_stream(self.csv_header() or [], self.export_rows(queryset))
            response = StreamingHttpResponse(
                _SlotStream(chunks, _export_slots.release),
                content_type="text/csv; charset=utf-8",
            )
        except BaseException:
            _export_slots.release()
            raise
        response["Content-Disposition"] = f'attachment; filename="{self.export_filename}.csv"'
        return response

    def export_rows_csv(self, rows: list[dict[str, Any]], filename: str) -> StreamingHttpResponse:
        """Rows already shaped (not a queryset) as a CSV download, header from the first."""
        header = list(rows[0]) if rows else []
        response = StreamingHttpResponse(
            csv_stream(header, rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        """List filters apply to lists only: a record's own URL answers whatever the query."""
        if self.action != "list":  # type: ignore[attr-defined]
            return queryset
        return super().filter_queryset(queryset)  # type: ignore[misc]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        queryset = self.filter_queryset(self.get_queryset())  # type: ignore[attr-defined]
        if self.wants_export(request):
            return self.export_csv(queryset)
        page = self.paginate_queryset(queryset)  # type: ignore[attr-defined]
        serializer = self.get_serializer(page, many=True)  # type: ignore[attr-defined]
        response = self.get_paginated_response(serializer.data)  # type: ignore[attr-defined]
        self.add_list_extras(response, queryset)
        return response

    def add_list_extras(self, response: Response, queryset: QuerySet) -> None:
        """Hook for extra keys of a list body (facets)."""

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if (
            isinstance(response, Response)
            and response.status_code >= 400
            and getattr(response.accepted_renderer, "format", "json") != "json"
        ):
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
            response.renderer_context = self.get_renderer_context()  # type: ignore[attr-defined]
        return response
