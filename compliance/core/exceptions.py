"""Every API error is JSON: ``{"detail": ...}`` or ``{field: [messages]}``, never a 500 page."""

from __future__ import annotations

import logging
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError
from django.http import HttpRequest, JsonResponse
from django.views.debug import SafeExceptionReporterFilter
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus model validation errors (400) and database conflicts (409)."""
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
    """500 handler: JSON under /api/, Django's page elsewhere."""
    if _wants_json(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    from django.views.defaults import server_error

    return server_error(request)
