"""Writes of the grants app: CSV import of awards.

The grants app imports nothing of compliance but its domain-free ``core`` (see the
import-linter contracts). A bulk import fires no model signals, so it announces the
jurisdictions it touched with the ``awards_imported`` signal, inside its transaction;
``compliance.signals`` marks them stale.
"""

from __future__ import annotations

from typing import IO, Any

from django.core.exceptions import ValidationError
from django.dispatch import Signal

from compliance.core.csv_import import (
    FALSE_WORDS,
    TRUE_WORDS,
    ImportResult,
    LineError,
    csv_rows_read,
    imported_rows_create,
    line_errors,
)
from compliance.risk.timeline import figure_usable_on
from jurisdictions.models import Jurisdiction

from .choices import FigureKind
from .models import GrantAward, GrantProgram

# Sent inside the import's transaction with ``jurisdiction_ids`` (a set of ints) and ``since``
# (the first date the new figures count, None for "from the beginning").
awards_imported = Signal()

AWARD_CSV_REQUIRED = ("jurisdiction", "fiscal_year", "amount_usd", "source_url")
AWARD_CSV_OPTIONAL = (
    "program", "program_label", "figure_kind", "approximate", "published_on",
    "published_on_precision", "award_id", "notes",
)  # fmt: skip


def award_import_csv(*, file: IO[Any], user: Any | None = None) -> ImportResult:
    """Import grant awards from CSV: every line validated first, then all saved or none.

    Columns: jurisdiction (slug), fiscal_year, amount_usd (whole dollars), source_url, and
    optionally program (Assistance Listing number; empty for a cross-program figure, which
    then needs program_label), program_label, figure_kind, approximate, published_on
    (YYYY-MM-DD) and published_on_precision, award_id, notes.
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
        approximate = values["approximate"].lower()
        if approximate not in TRUE_WORDS | FALSE_WORDS:
            problems.append(LineError(line, "approximate", "Use true or false."))
        if problems:
            result.errors.extend(problems)
            continue
        award = GrantAward(
            jurisdiction=jurisdiction, program=program,
            program_label=values["program_label"]
            or (program.short_name or program.name if program else ""),
            fiscal_year=values["fiscal_year"], amount_usd=values["amount_usd"],
            figure_kind=values["figure_kind"] or FigureKind.AWARD,
            approximate=approximate in TRUE_WORDS,
            published_on=values["published_on"] or None,
            published_on_precision=values["published_on_precision"],
            award_id=values["award_id"],
            notes=values["notes"], source_url=values["source_url"],
        )  # fmt: skip
        try:
            award.full_clean()
        except ValidationError as error:
            result.errors.extend(line_errors(line, error))
            continue
        key = (award.jurisdiction_id, award.program_label, award.fiscal_year, award.figure_kind)
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
            sender=GrantAward,
            jurisdiction_ids=ids,
            since=min(
                figure_usable_on(fiscal_year=a.fiscal_year, published_on=a.published_on)
                for a in awards
            ),
        ),
    )
    return result
