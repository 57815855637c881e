"""Every API error is JSON: ``{"detail": ...}`` or ``{field: [messages]}``, never a 500 page.

A database that cannot be reached answers 503 with ``Retry-After`` on every page and API call
(``database_unavailable_response``; the DRF handler, ``DatabaseUnavailableMiddleware`` and the
500 handler all use it), and logs one line each time.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, InterfaceError, OperationalError
from django.db.models import ProtectedError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views.debug import SafeExceptionReporterFilter
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)

# Seconds a client is asked to wait when the database is unreachable.
RETRY_AFTER_SECONDS = 30
DATABASE_UNAVAILABLE_DETAIL = (
    "The service is temporarily unavailable: the database cannot be reached. Try again later."
)


# SQLSTATE codes of a transaction PostgreSQL rolled back to settle a conflict between writers:
# deadlock_detected and serialization_failure. The database is up; the write lost a race.
CONFLICT_SQLSTATES = frozenset({"40P01", "40001"})
WRITE_CONFLICT_DETAIL = (
    "Another change to the same records was being saved at the same moment; nothing of this "
    "one was written. Send it again."
)


def write_conflict(exc: BaseException | None) -> bool:
    """Whether ``exc`` is a deadlock or serialization failure (try again), not an outage."""
    cause = getattr(exc, "__cause__", None) or exc
    return isinstance(exc, OperationalError) and (
        getattr(cause, "sqlstate", None) in CONFLICT_SQLSTATES
    )


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` says the database cannot be reached (connecting or querying)."""
    return isinstance(exc, (OperationalError, InterfaceError)) and not write_conflict(exc)


def _log_unavailable(request: HttpRequest, exc: BaseException) -> None:
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    logger.warning(
        "Database unavailable: %s %s answered 503 (%s: %s)",
        request.method, request.path, type(exc).__name__, reason,
    )  # fmt: skip


def database_unavailable_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """503 with ``Retry-After``: the API's error body under /api/, a short page elsewhere."""
    _log_unavailable(request, exc)
    response: HttpResponse
    if _wants_json(request):
        response = JsonResponse({"detail": DATABASE_UNAVAILABLE_DETAIL}, status=503)
    else:
        try:
            page: str = render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS})
        except Exception:
            logger.exception("The 503 page could not be rendered")
            page = "<!doctype html><title>Temporarily unavailable</title>"
            page += f"<h1>Temporarily unavailable</h1><p>{DATABASE_UNAVAILABLE_DETAIL}</p>"
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus model validation errors (400), database conflicts (409) and an
    unreachable database (503 with ``Retry-After``)."""
    if database_unavailable(exc):
        request = context.get("request")
        if request is not None:
            _log_unavailable(request, exc)
        return Response(
            {"detail": DATABASE_UNAVAILABLE_DETAIL},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if write_conflict(exc):
        logger.warning("A write lost a conflict after its retries; answered 409: %s", exc)
        return Response({"detail": WRITE_CONFLICT_DETAIL}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            data: Any = exc.message_dict
        else:
            data = {"non_field_errors": exc.messages}
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ProtectedError):
        return Response(
            {"detail": "Other records refer to this one; remove or change them first."},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, IntegrityError):
        logger.info("Integrity error answered with 409: %s", exc)
        return Response(
            {"detail": "This change conflicts with an existing record."},
            status=status.HTTP_409_CONFLICT,
        )
    return exception_handler(exc, context)


class CredentialsHiddenFilter(SafeExceptionReporterFilter):
    """Django's filter, hiding also addresses that carry credentials (``DATABASE_URL``,
    ``REDIS_URL``, a broker or a DSN) in settings and in the request's environment."""

    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|URL|DSN|DATABASE|BROKER|REDIS",
        flags=re.IGNORECASE,
    )


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def api_aware_not_found(request: HttpRequest, exception: Exception | None = None):
    """404 handler: JSON under /api/, Django's page elsewhere."""
    if _wants_json(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)  # type: ignore[arg-type]


def api_aware_bad_request(request: HttpRequest, exception: Exception | None = None):
    """400 handler (a body over the upload limit, a suspicious request): JSON under /api/,
    Django's page elsewhere."""
    if _wants_json(request):
        detail = "Bad request."
        if isinstance(exception, RequestDataTooBig):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            detail = f"The request body is larger than the limit of {limit:,} bytes."
        return JsonResponse({"detail": detail}, status=400)
    from django.views.defaults import bad_request

    return bad_request(request, exception)  # type: ignore[arg-type]


def api_aware_server_error(request: HttpRequest):
    """500 handler: JSON under /api/, Django's page elsewhere; a database outage met outside a
    view (in a middleware) answers 503 as it does inside one."""
    exc = sys.exc_info()[1]
    if exc is not None and database_unavailable(exc):
        return database_unavailable_response(request, exc)
    if _wants_json(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    from django.views.defaults import server_error

    return server_error(request)
