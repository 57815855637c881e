"""Writes of the grants app: CSV import of awards.

The grants app never imports the compliance domain (see the import-linter contract). A bulk
import fires no model signals, so it announces the jurisdictions it touched with the
``awards_imported`` signal, inside its transaction; ``compliance.signals`` marks them stale.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.dispatch import Signal
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from jurisdictions.models import Jurisdiction

from .choices import AmountType
from .models import GrantAward, GrantProgram

# Sent inside the import's transaction with ``jurisdiction_ids`` (a set of ints).
awards_imported = Signal()

AWARD_CSV_REQUIRED = ("jurisdiction", "fiscal_year", "amount_usd", "source_url")
AWARD_CSV_OPTIONAL = (
    "program", "program_label", "amount_type", "is_approximate", "award_id", "notes",
)  # fmt: skip
TRUE_WORDS = {"1", "true", "yes", "y", "t"}
FALSE_WORDS = {"", "0", "false", "no", "n", "f"}


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


def csv_rows_read(
    *, file: IO[Any], required: Sequence[str]
) -> tuple[list[dict[str, str]], list[LineError]]:
    """The rows of an uploaded CSV file, or the errors that stop it before any row is read
    (not UTF-8, required columns missing)."""
    try:
        reader = csv_dict_reader(file)
    except CsvFileError as error:
        return [], [LineError(1, "__all__", str(error))]
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        return [], [LineError(1, "__all__", f"Missing columns: {', '.join(missing)}.")]
    return list(reader), []


def line_errors(line: int, error: ValidationError) -> list[LineError]:
    """A ``ValidationError`` as one ``LineError`` per field message."""
    if hasattr(error, "error_dict"):
        return [
            LineError(line, name, message)
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return [LineError(line, "__all__", message) for message in error.messages]


def award_import_csv(*, file: IO[Any], user: Any | None = None) -> ImportResult:
    """Import grant awards from CSV: every line validated first, then all saved or none.

    Columns: jurisdiction (slug), fiscal_year, amount_usd (whole dollars), source_url, and
    optionally program (Assistance Listing number; empty for a cross-program figure, which
    then needs program_label), program_label, amount_type, is_approximate, award_id, notes.
    Rows are created in bulk with their history; the jurisdictions they name are then marked
    stale once, through ``awards_imported``.
    """
    result = ImportResult()
    rows, result.errors = csv_rows_read(file=file, required=AWARD_CSV_REQUIRED)
    if result.errors:
        return result
    jurisdictions = {
        j.slug: j
        for j in Jurisdiction.objects.filter(
            slug__in={(r.get("jurisdiction") or "").strip() for r in rows}
        )
    }
    programs = {p.aln: p for p in GrantProgram.objects.all()}
    awards: list[GrantAward] = []
    seen_keys: dict[tuple, int] = {}
    seen_ids: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        values = {k: (row.get(k) or "").strip() for k in (*AWARD_CSV_REQUIRED, *AWARD_CSV_OPTIONAL)}
        problems: list[LineError] = []
        jurisdiction = jurisdictions.get(values["jurisdiction"])
        if jurisdiction is None:
            problems.append(
                LineError(line, "jurisdiction", f"Unknown jurisdiction {values['jurisdiction']!r}.")
            )
        program = None
        if values["program"]:
            program = programs.get(values["program"])
            if program is None:
                problems.append(
                    LineError(line, "program", f"Unknown program {values['program']!r}.")
                )
        for name, low, high in (("fiscal_year", 1980, 2100), ("amount_usd", 0, None)):
            try:
                number = int(values[name].replace(",", ""))
            except ValueError:
                problems.append(LineError(line, name, "Enter a whole number."))
                continue
            if number < low or (high is not None and number > high):
                bounds = f"between {low} and {high}" if high else f"at least {low}"
                problems.append(LineError(line, name, f"Must be {bounds}."))
            values[name] = str(number)
        approximate = values["is_approximate"].lower()
        if approximate not in TRUE_WORDS | FALSE_WORDS:
            problems.append(LineError(line, "is_approximate", "Use true or false."))
        if problems:
            result.errors.extend(problems)
            continue
        award = GrantAward(
            jurisdiction=jurisdiction, program=program,
            program_label=values["program_label"]
            or (program.short_name or program.name if program else ""),
            fiscal_year=values["fiscal_year"], amount_usd=values["amount_usd"],
            amount_type=values["amount_type"] or AmountType.AWARD,
            is_approximate=approximate in TRUE_WORDS, award_id=values["award_id"],
            notes=values["notes"], source_url=values["source_url"],
        )  # fmt: skip
        try:
            award.full_clean()
        except ValidationError as error:
            result.errors.extend(line_errors(line, error))
            continue
        key = (award.jurisdiction_id, award.program_label, award.fiscal_year, award.amount_type)
        if key in seen_keys:
            result.errors.append(
                LineError(line, "__all__", f"Same award as line {seen_keys[key]}.")
            )
            continue
        seen_keys[key] = line
        if award.award_id:
            if award.award_id in seen_ids:
                result.errors.append(
                    LineError(
                        line, "award_id", f"Same identifier as line {seen_ids[award.award_id]}."
                    )
                )
                continue
            seen_ids[award.award_id] = line
        awards.append(award)
    if result.errors or not awards:
        return result
    result.created = imported_rows_create(
        rows=awards,
        user=user,
        jurisdictions_changed=lambda ids: awards_imported.send(
            sender=GrantAward, jurisdiction_ids=ids
        ),
    )
    return result
