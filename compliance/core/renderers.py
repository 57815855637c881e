"""CSV output: one page through a renderer, or every row streamed without holding them."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from rest_framework.renderers import BaseRenderer

# Spreadsheet programs run a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# UTF-8 byte-order mark: spreadsheet programs then read the file as UTF-8 (curly quotes,
# accents) instead of the local code page.
BOM = "\ufeff"


def _text(value: str) -> str:
    """Text as a spreadsheet shows it, never as a formula it runs: a leading ``'``."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def csv_cell(value: Any) -> str:
    """One value as CSV text: lists of scalars joined by ``;``, nested objects as JSON, and
    text that a spreadsheet would run as a formula neutralised (numbers are left as they
    are, so a negative amount stays a number)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        if all(not isinstance(item, Mapping | list | tuple) for item in value):
            return _text(";".join(csv_cell(item) for item in value))
        return _text(json.dumps(value, sort_keys=True, default=str))
    if isinstance(value, Mapping):
        return _text(json.dumps(value, sort_keys=True, default=str))
    if isinstance(value, str):
        return _text(value)
    return str(value)


def csv_row(header: Sequence[str], row: Mapping[str, Any]) -> list[str]:
    return [csv_cell(row.get(name)) for name in header]


class _Echo:
    """A file-like object whose ``write`` hands the line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_stream(header: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """Yield the byte-order mark and a header line, then one CSV line per row, as the rows
    arrive."""
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(header)
    for row in rows:
        yield writer.writerow(csv_row(header, row))


class CSVRenderer(BaseRenderer):
    """Render a list page (its ``results``) or one record as CSV with a header line.

    The columns are the serializer's fields (the view's ``csv_header()``), so an empty page
    still names them.
    """

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        rows: list[Mapping[str, Any]]
        if isinstance(data, Mapping) and "results" in data:
            rows = list(data["results"])
        elif isinstance(data, Mapping):
            rows = [data]
        else:
            rows = list(data)
        view = (renderer_context or {}).get("view")
        header = view.csv_header() if view is not None and hasattr(view, "csv_header") else None
        if header is None:
            header = list(rows[0]) if rows else []
        buffer = io.StringIO()
        buffer.write(BOM)
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in rows:
            writer.writerow(csv_row(header, row))
        return buffer.getvalue().encode(self.charset)
