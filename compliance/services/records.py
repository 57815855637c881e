"""Writes of statements and federal actions, from every path: the API, the admin (forms,
history revert) and the CSV import. Each save marks whoever it affects stale through the
receivers in ``compliance.signals``; the bulk import marks them itself."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from compliance.core.csv_import import (
    ImportResult,
    LineError,
    csv_rows_read,
    imported_rows_create,
    line_errors,
)
from compliance.core.services import model_update
from compliance.models import FederalAction, Statement
from grants.models import GrantProgram
from jurisdictions.choices import DatePrecision
from jurisdictions.models import Jurisdiction, Official

from .stale import jurisdictions_mark_stale

STATEMENT_FIELDS = (
    "jurisdiction", "official", "speaker", "speaker_role", "said_on", "date_precision",
    "quote", "context", "position", "source_url",
)  # fmt: skip
FEDERAL_ACTION_FIELDS = (
    "kind", "issuing_body", "title", "issued_on", "date_precision", "summary", "effect",
    "status", "status_since", "targets", "targets_all_sanctuary", "programs",
    "covers_all_programs", "programs_text", "notes", "effect_rationale", "source_url",
)  # fmt: skip


# --- Statements -----------------------------------------------------------------------------


@transaction.atomic
def statement_create(*, statement: Statement) -> Statement:
    """Validate and save a new statement; its jurisdiction goes stale (save signal)."""
    statement.full_clean()
    statement.save()
    return statement


@transaction.atomic
def statement_update(*, statement: Statement, data: Mapping[str, Any]) -> Statement:
    """Change the given fields; both the old and the new jurisdiction go stale."""
    return model_update(instance=statement, fields=STATEMENT_FIELDS, data=data)


@transaction.atomic
def statement_delete(*, statement: Statement) -> None:
    """Delete a statement; its jurisdiction goes stale (delete signal)."""
    statement.delete()


# --- Federal actions ------------------------------------------------------------------------


@transaction.atomic
def federal_action_create(
    *,
    action: FederalAction,
    targets: Iterable[Jurisdiction] = (),
    programs: Iterable[GrantProgram] = (),
) -> FederalAction:
    """Validate and save a new action with its targets and programs; whoever it reaches goes
    stale (save and m2m signals)."""
    action.full_clean()
    action.save()
    action.targets.set(list(targets))
    action.programs.set(list(programs))
    return action


@transaction.atomic
def federal_action_update(*, action: FederalAction, data: Mapping[str, Any]) -> FederalAction:
    """Change the given fields; ``targets`` and ``programs`` replace the sets when given."""
    return model_update(instance=action, fields=FEDERAL_ACTION_FIELDS, data=data)


@transaction.atomic
def federal_action_delete(*, action: FederalAction) -> None:
    """Delete an action; everyone it reached goes stale (collected before the rows go)."""
    action.delete()


# --- CSV import of statements ---------------------------------------------------------------


STATEMENT_CSV_REQUIRED = ("jurisdiction", "speaker", "said_on", "quote", "position", "source_url")
STATEMENT_CSV_OPTIONAL = ("official", "speaker_role", "date_precision", "context")


def statement_import_csv(*, file: IO[Any], user: Any | None = None) -> ImportResult:
    """Import statements from CSV: every line validated first, then all saved or none.

    Columns: jurisdiction (slug), speaker, said_on (YYYY-MM-DD), quote, position, source_url,
    and optionally official (name, in that jurisdiction), speaker_role, date_precision,
    context. The rows are created in bulk with their history, then the jurisdictions they
    name are marked stale in one call.
    """
    result = ImportResult()
    rows, result.errors = csv_rows_read(file=file, required=STATEMENT_CSV_REQUIRED)
    if result.errors:
        return result
    slugs = {(r.get("jurisdiction") or "").strip() for r in rows}
    jurisdictions = {j.slug: j for j in Jurisdiction.objects.filter(slug__in=slugs)}
    officials = {
        (o.jurisdiction_id, o.name): o
        for o in Official.objects.filter(jurisdiction__slug__in=slugs)
    }
    statements: list[Statement] = []
    for line, row in enumerate(rows, start=2):
        values = {
            k: (row.get(k) or "").strip()
            for k in (*STATEMENT_CSV_REQUIRED, *STATEMENT_CSV_OPTIONAL)
        }
        jurisdiction = jurisdictions.get(values["jurisdiction"])
        if jurisdiction is None:
            result.errors.append(
                LineError(line, "jurisdiction", f"Unknown jurisdiction {values['jurisdiction']!r}.")
            )
            continue
        official = None
        if values["official"]:
            official = officials.get((jurisdiction.pk, values["official"]))
            if official is None:
                result.errors.append(
                    LineError(line, "official", f"No official {values['official']!r} there.")
                )
                continue
        statement = Statement(
            jurisdiction=jurisdiction, official=official, speaker=values["speaker"],
            speaker_role=values["speaker_role"], said_on=values["said_on"],
            date_precision=values["date_precision"] or DatePrecision.DAY,
            quote=values["quote"], context=values["context"], position=values["position"],
            source_url=values["source_url"],
        )  # fmt: skip
        try:
            statement.full_clean()
        except ValidationError as error:
            result.errors.extend(line_errors(line, error))
            continue
        statements.append(statement)
    if result.errors or not statements:
        return result
    result.created = imported_rows_create(
        rows=statements,
        user=user,
        jurisdictions_changed=lambda ids: jurisdictions_mark_stale(jurisdiction_ids=ids),
    )
    return result
