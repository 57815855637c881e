"""The API's JSON parser: bounded nesting, finite numbers, errors as 400s."""

from __future__ import annotations

import json
import math
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# No request body of this API nests deeper than a few levels (an action's status changes).
MAX_JSON_DEPTH = 20


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"The number {text[:20]} is out of range.")
    return value


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows.")


def _depth_within(text: str, limit: int) -> bool:
    """Whether brackets nest at most ``limit`` deep (brackets inside strings not counted)."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return False
        elif char in "]}":
            depth -= 1
    return True


class StrictJSONParser(JSONParser):
    """JSON with nesting at most MAX_JSON_DEPTH levels deep and only finite numbers (``1e400``
    or ``NaN`` are refused, not read as infinity); every failure is a 400 with a message."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError as error:
            raise ParseError(f"The body is not valid {encoding}.") from error
        if not _depth_within(text, MAX_JSON_DEPTH):
            raise ParseError(f"JSON nested more than {MAX_JSON_DEPTH} levels deep.")
        try:
            return json.loads(text, parse_float=_finite, parse_constant=_constant)
        except (ValueError, RecursionError) as error:
            raise ParseError(f"JSON parse error: {error}") from error
