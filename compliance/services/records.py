"""Writes of statements and federal actions, from every path: the API, the admin (forms,
history revert) and the CSV import. Each save marks whoever it affects stale through the
receivers in ``compliance.signals``; the bulk import marks them itself."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from compliance.core.csv_import import (
    ImportResult,
    LineError,
    csv_rows_read,
    imported_rows_create,
    line_errors,
)
from compliance.core.services import model_lock, model_update
from compliance.models import ActionBlock, FederalAction, FederalActionStatus, Statement
from compliance.risk import status_on
from compliance.risk.types import ActionFact, StatusChange
from grants.models import GrantProgram
from jurisdictions.choices import DatePrecision
from jurisdictions.models import Jurisdiction, Official

from .alerts import federal_action_events_write, statements_events_write
from .stale import jurisdictions_mark_stale
from .writes import record_write

STATEMENT_FIELDS = (
    "jurisdiction", "official", "speaker", "speaker_role", "said_on", "date_precision",
    "quote", "context", "position", "source_url",
)  # fmt: skip
FEDERAL_ACTION_FIELDS = (
    "kind", "issuing_body", "title", "issued_on", "date_precision", "summary", "effect",
    "targets", "targets_all_sanctuary", "programs", "covers_all_programs", "programs_text",
    "notes", "effect_rationale", "source_url",
)  # fmt: skip
STATUS_CHANGE_FIELDS = (
    "status", "effective_from", "date_precision", "listed_only", "caused_by", "source_url",
    "notes",
)  # fmt: skip


# --- Statements -----------------------------------------------------------------------------


@record_write
def statement_create(*, statement: Statement) -> Statement:
    """Validate and save a new statement; its jurisdiction goes stale (save signal) and its
    followers get an event."""
    statement.full_clean()
    statement.save()
    statements_events_write(statements=[statement])
    return statement


@record_write
def statement_update(*, statement: Statement, data: Mapping[str, Any]) -> Statement:
    """Change the given fields of the stored (locked) row; both the old and the new
    jurisdiction go stale."""
    return model_update(instance=model_lock(instance=statement), fields=STATEMENT_FIELDS, data=data)


@record_write
def statement_delete(*, statement: Statement) -> None:
    """Delete a statement; its jurisdiction goes stale (delete signal)."""
    model_lock(instance=statement).delete()


# --- Federal actions ------------------------------------------------------------------------


@record_write
def federal_action_create(
    *,
    action: FederalAction,
    targets: Iterable[Jurisdiction] = (),
    programs: Iterable[GrantProgram] = (),
    status_changes: Iterable[Mapping[str, Any]] = (),
    blocks: Iterable[Mapping[str, Any]] = (),
) -> FederalAction:
    """Validate and save a new action with its targets, programs, dated status changes and
    (for an injunction or rescission) what it blocks; whoever it reaches goes stale, and the
    followers of whoever it reaches get an event."""
    action.full_clean()
    action.save()
    action.targets.set(list(targets))
    action.programs.set(list(programs))
    status_changes, blocks = list(status_changes), list(blocks)
    if status_changes:
        federal_action_statuses_set(action=action, changes=status_changes)
    if blocks:
        federal_action_blocks_set(action=action, blocks=blocks)
    federal_action_events_write(action=action)
    return action


@record_write
def federal_action_update(*, action: FederalAction, data: Mapping[str, Any]) -> FederalAction:
    """Change the given fields of the stored (locked) row; ``targets``, ``programs``,
    ``status_changes`` and ``blocks`` replace the whole sets when given."""
    data = dict(data)
    changes, blocks = data.pop("status_changes", None), data.pop("blocks", None)
    action = model_update(instance=model_lock(instance=action), fields=FEDERAL_ACTION_FIELDS,
                          data=data)  # fmt: skip
    if changes is not None:
        federal_action_statuses_set(action=action, changes=changes)
    elif "issued_on" in data:
        federal_action_status_refresh(action=action)
    if blocks is not None:
        federal_action_blocks_set(action=action, blocks=blocks)
    return action


def federal_action_status_on(*, action: FederalAction, day: date) -> str:
    """An action's status on a date, by the engine's rule (``compliance.risk.status_on``) over
    its dated history; an action without history keeps the status it has."""
    changes = sorted(
        (change.on, change.pk, change.status, change.listed_only)
        for change in FederalActionStatus.objects.filter(action=action).select_related("caused_by")
        if change.on is not None
    )
    if not changes:
        return action.status
    fact = ActionFact(
        id=action.pk, kind=action.kind, effect=action.effect, issued_on=action.issued_on,
        statuses=tuple(StatusChange(on, status, listed) for on, _, status, listed in changes),
    )  # fmt: skip
    return status_on(fact, day).status


def federal_action_status_refresh(*, action: FederalAction) -> str:
    """Copy the status in force today onto the action (its ``status``, for filters and lists)
    from its dated history. An action without history keeps the status it has."""
    if not FederalActionStatus.objects.filter(action=action).exists():
        return action.status
    status = federal_action_status_on(action=action, day=timezone.localdate())
    if status != action.status:
        FederalAction.objects.filter(pk=action.pk).update(status=status)
        action.status = status
    return status


@transaction.atomic
def federal_action_statuses_set(
    *, action: FederalAction, changes: Iterable[Mapping[str, Any]]
) -> list[FederalActionStatus]:
    """Replace an action's status history with ``changes`` (each a mapping of
    STATUS_CHANGE_FIELDS), every change validated before any is written; then copy the status
    in force today onto the action. Each change marks whoever the action reaches stale from
    its date (signals)."""
    built = []
    errors: dict[str, list[str]] = {}
    for index, data in enumerate(changes):
        unknown = sorted(set(data) - set(STATUS_CHANGE_FIELDS))
        change = FederalActionStatus(
            action=action, **{k: v for k, v in data.items() if k in STATUS_CHANGE_FIELDS}
        )
        try:
            if unknown:
                raise ValidationError({name: "This field cannot be set." for name in unknown})
            change.full_clean(exclude=["action"])
            change.clean()
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(f"status_changes[{index}].{name}", []).extend(messages)
            continue
        built.append(change)
    if errors:
        raise ValidationError(errors)
    for old in FederalActionStatus.objects.filter(action=action):
        old.delete()
    for change in built:
        change.save()
    _forget_prefetched(action, "status_changes")
    federal_action_status_refresh(action=action)
    return built


@transaction.atomic
def federal_action_blocks_set(
    *, action: FederalAction, blocks: Iterable[Mapping[str, Any]]
) -> list[ActionBlock]:
    """Replace what a protective action blocks: each ``{"blocked": action, "programs": [...]}``
    (no programs: every program the blocked action covers)."""
    built = []
    errors: dict[str, list[str]] = {}
    for index, data in enumerate(blocks):
        block = ActionBlock(protector=action, blocked=data["blocked"], notes=data.get("notes", ""))
        try:
            block.full_clean(exclude=["protector"])
            block.clean()
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(f"blocks[{index}].{name}", []).extend(messages)
            continue
        built.append((block, list(data.get("programs", ()))))
    if errors:
        raise ValidationError(errors)
    for old in ActionBlock.objects.filter(protector=action):
        old.delete()
    saved = []
    for block, programs in built:
        block.save()
        block.programs.set(programs)
        saved.append(block)
    _forget_prefetched(action, "blocks")
    return saved


def _forget_prefetched(instance: Any, name: str) -> None:
    """Drop a relation prefetched before a write, so later reads see the rows written."""
    getattr(instance, "_prefetched_objects_cache", {}).pop(name, None)


@record_write
def federal_action_delete(*, action: FederalAction) -> None:
    """Delete an action; everyone it reached goes stale (collected before the rows go)."""
    model_lock(instance=action).delete()


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

    def changed(ids: set[int]) -> None:
        jurisdictions_mark_stale(jurisdiction_ids=ids)
        statements_events_write(statements=statements)

    result.created = imported_rows_create(rows=statements, user=user, jurisdictions_changed=changed)
    return result
