"""Helpers of every CSV import: reading uploaded text, per-line errors, bulk creation with
history. An import validates every line first, then writes all rows or none."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

TRUE_WORDS = frozenset({"1", "true", "yes", "y", "t"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "n", "f"})


@dataclass(frozen=True, slots=True)
class LineError:
    """A problem on one line of an imported file (line 1 is the header)."""

    line: int
    field: str
    message: str


@dataclass(slots=True)
class ImportResult:
    """What an import did: rows created (0 when any line failed) and per-line errors."""

    created: int = 0
    errors: list[LineError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class CsvFileError(ValueError):
    """The file cannot be read as CSV text."""


def csv_dict_reader(file: IO[Any]) -> csv.DictReader:
    """Read a CSV file (bytes or text, UTF-8 with or without a BOM); ``CsvFileError`` if the
    bytes are not UTF-8."""
    raw = file.read()
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as error:
        raise CsvFileError(
            f"The file is not UTF-8 text (byte {error.start}); save it as 'CSV UTF-8'."
        ) from error
    return csv.DictReader(io.StringIO(text))


def csv_rows_read(
    *, file: IO[Any], required: Sequence[str]
) -> tuple[list[dict[str, str]], list[LineError]]:
    """The rows of an uploaded CSV file, or the errors that stop it before any row is read
    (not UTF-8, required columns missing)."""
    try:
        reader = csv_dict_reader(file)
    except CsvFileError as error:
        return [], [LineError(1, "__all__", str(error))]
    try:
        fieldnames = reader.fieldnames or []
        missing = [c for c in required if c not in fieldnames]
        if missing:
            return [], [LineError(1, "__all__", f"Missing columns: {', '.join(missing)}.")]
        return list(reader), []
    except csv.Error as error:  # a cell over the csv module's limit (128 kB), a broken quote
        limit = csv.field_size_limit()
        message = (
            f"A cell is longer than {limit // 1024} kB; no field takes that much text."
            if "field larger than field limit" in str(error)
            else f"The file is not valid CSV: {error}."
        )
        return [], [LineError(reader.line_num or 1, "__all__", message)]


def line_errors(line: int, error: ValidationError) -> list[LineError]:
    """A ``ValidationError`` as one ``LineError`` per field message."""
    if hasattr(error, "error_dict"):
        return [
            LineError(line, name, message)
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return [LineError(line, "__all__", message) for message in error.messages]


def imported_rows_create(
    *, rows: Sequence[Model], user: Any | None, jurisdictions_changed: Callable[[set[int]], Any]
) -> int:
    """Create validated import rows in bulk with their history (who, "CSV import"), then hand
    the jurisdictions they belong to to ``jurisdictions_changed``, all in one transaction.
    Bulk creation fires no model signals, hence the callback. Returns the rows created."""
    now = timezone.now()
    for row in rows:
        row.created_at = row.updated_at = now  # type: ignore[attr-defined]
    with transaction.atomic():
        bulk_create_with_history(
            list(rows), type(rows[0]), batch_size=1_000, default_user=user,
            default_change_reason="CSV import",
        )  # fmt: skip
        jurisdictions_changed({row.jurisdiction_id for row in rows})  # type: ignore[attr-defined]
    return len(rows)
