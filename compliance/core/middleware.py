"""A database outage answers 503 with ``Retry-After`` (JSON under /api/, a short page
elsewhere), never a 500."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .exceptions import database_unavailable, database_unavailable_response


class DatabaseUnavailableMiddleware:
    """Turns ``OperationalError`` and ``InterfaceError`` raised by a view (connecting or
    querying) into a 503. API views answer the same through the DRF exception handler."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if database_unavailable(exception):
            return database_unavailable_response(request, exception)
        return None
