"""The OpenAPI schema's shared parts: every error an operation can answer, and who may call it.

drf-spectacular documents the success of each operation from its serializer. This
postprocessing hook adds what every operation of this API shares, so that a client generated
from the schema knows every status code it can meet, with its body:

- 400 (a bad or unknown query parameter, a bad body), 401 (a token that is not valid, even
  on a read that needs none), 406 (an unknown ``format``) and 429 (throttled, with
  ``Retry-After``) on every operation;
- 404 on every operation (a record that does not exist, or a page past the last);
- 403 (a token without the permission) and 409 (a conflict with other records) on every
  write;
- 503 (the database cannot be reached, with ``Retry-After``) on every operation.

It also declares security per operation (reads may be anonymous, ``{}`` among the
alternatives; writes need a token), and states in the schema the rules that validation
enforces on every operation: a query parameter is never empty, dates lie in the years the
records can hold, and a request body has no field beyond those documented.
"""

from __future__ import annotations

from typing import Any

from .dates import EARLIEST, LATEST

WRITE_METHODS = {"post", "put", "patch", "delete"}

ERROR_SCHEMA = {
    "type": "object",
    "description": "What went wrong, in words.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": (
        "A message list for each field or query parameter at fault (`non_field_errors` for "
        "the record as a whole), or `detail` for a request that could not be read."
    ),
    "additionalProperties": {},
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before the next request.",
        "schema": {"type": "integer", "minimum": 1},
    }
}

_ERRORS: dict[str, tuple[str, str]] = {
    "400": ("ValidationError", "A query parameter or the body is not valid."),
    "401": ("Error", "No token on a write, or a token that is not valid."),
    "403": ("Error", "The credentials lack the permission for this change."),
    "404": ("Error", "No record at this address (or a page past the last)."),
    "406": ("Error", "The `format` asked for is not offered."),
    "409": ("Error", "The change conflicts with other records (remove or change them first)."),
    "429": ("Error", "Too many requests from this client; see `Retry-After`."),
    "503": ("Error", "The database cannot be reached for now; see `Retry-After`."),
}


def _response(code: str) -> dict[str, Any]:
    component, description = _ERRORS[code]
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
    }
    if code in ("429", "503"):
        response["headers"] = RETRY_AFTER
    return response


def error_codes(method: str) -> list[str]:
    """The error status codes an operation can answer."""
    # 401: a token that is not valid, even on reads; 503: the database cannot be reached.
    codes = ["400", "401", "404", "406", "429", "503"]
    if method in WRITE_METHODS:
        codes += ["403", "409"]
    return sorted(codes)


def errors_and_security(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: error responses and per-operation security."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR_SCHEMA)
    schemas.setdefault("ValidationError", VALIDATION_ERROR_SCHEMA)
    schemes = sorted(result["components"].get("securitySchemes", {}))
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in WRITE_METHODS | {"get", "head"}:
                continue
            responses = operation.setdefault("responses", {})
            for code in error_codes(method):
                responses.setdefault(code, _response(code))
            if method in WRITE_METHODS:
                operation["security"] = [{TOKEN_SCHEME: []}]
            else:
                operation["security"] = [*({name: []} for name in schemes), {}]
            for parameter in operation.get("parameters", ()):
                if parameter.get("in") in ("query", "path"):
                    _bound(parameter.get("schema", {}))
    for name, component in schemas.items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
    return result


TOKEN_SCHEME = "tokenAuth"
# The years the records can hold (EARLIEST to LATEST), as a pattern a date must begin with.
_YEAR = "|".join(
    f"{century}[0-9]{{2}}" for century in range(EARLIEST.year // 100, LATEST.year // 100)
)
YEAR_PATTERN = f"^({_YEAR}|{LATEST.year})-"
# A whole date in those years (months and days in range, so that nearly every string that
# matches is a real date).
DATE_PATTERN = YEAR_PATTERN + "(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


def _bound(schema: dict[str, Any]) -> None:
    """A query or path parameter's schema as validation reads it: a value is never empty, and a date
    lies in the years the records can hold."""
    if schema.get("type") == "array":
        schema.setdefault("minItems", 1)
        _bound(schema.get("items", {}))
    elif schema.get("type") == "string" and "enum" not in schema:
        if schema.get("format") == "date":
            schema.setdefault("pattern", DATE_PATTERN)
        elif schema.get("format") == "date-time":
            schema.setdefault("pattern", YEAR_PATTERN)
        schema.setdefault("minLength", 1)
