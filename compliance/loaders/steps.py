"""The loading steps, one per reference file, in dependency order.

Each file is loaded in its own transaction, keyed on a natural key, so a second run changes
nothing. A malformed row stops its file with a message naming the file, the line and the
field; nothing of that file is written.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from compliance.choices import ActionEffect, ActionKind, ActionStatus, StatementPosition
from compliance.models import ActionBlock, FederalAction, FederalActionStatus, Statement
from compliance.services.records import federal_action_status_refresh
from compliance.services.stale import jurisdictions_mark_stale, recompute_deferred
from compliance.tasks import recompute_enqueue
from grants.choices import Agency, FigureKind
from grants.models import GrantAward, GrantAwardShare, GrantProgram
from jurisdictions.choices import (
    US_STATES,
    DatePrecision,
    JurisdictionKind,
    OfficialRole,
    StanceBasis,
    StanceCode,
)
from jurisdictions.models import Jurisdiction, Official, PolicyStance

from .derive import KIND_BY_LABEL, jurisdiction_ocd_id, jurisdiction_slug
from .rows import ReferenceDataError, RowReader, choice_values

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"


@dataclass
class FileResult:
    """What loading one file did."""

    filename: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    marked_stale: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


@dataclass
class LoadResult:
    files: list[FileResult] = field(default_factory=list)
    touched_jurisdiction_ids: set[int] = field(default_factory=set)
    # Set when a federal action changed: it may reach any jurisdiction through its stance.
    touched_all: bool = False
    # Jurisdictions marked stale (and queued for recompute) by the load.
    marked_ids: set[int] = field(default_factory=set)

    @property
    def changed(self) -> bool:
        return any(f.changed for f in self.files)


# --- generic upsert ---------------------------------------------------------------------------


def _upsert(
    *,
    model: type[models.Model],
    key_fields: tuple[str, ...],
    rows: list[tuple[int, dict[str, Any]]],
    result: FileResult,
) -> dict[tuple[Any, ...], models.Model]:
    """Create missing rows and update changed ones, keyed on ``key_fields``.

    Returns every loaded instance by key. Instances are validated (``full_clean``) first; a
    failure names the line and field.
    """
    relations = [f for f in key_fields if model._meta.get_field(f).is_relation]
    rows_in_db = model._default_manager.select_related(*relations)
    existing = {tuple(getattr(obj, f) for f in key_fields): obj for obj in rows_in_db}
    to_create: list[models.Model] = []
    to_update: list[models.Model] = []
    update_fields: set[str] = set()
    by_key: dict[tuple[Any, ...], models.Model] = {}
    for line, values in rows:
        key = tuple(values[f] for f in key_fields)
        if key in by_key:
            raise ReferenceDataError(result.filename, line, ",".join(key_fields), "duplicate row")
        obj = existing.get(key)
        if obj is None:
            obj = model(**values)
            to_create.append(obj)
        else:
            changed = [f for f, v in values.items() if getattr(obj, f) != v]
            if changed:
                for f in changed:
                    setattr(obj, f, values[f])
                update_fields.update(changed)
                to_update.append(obj)
            else:
                result.unchanged += 1
        try:
            obj.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            name, messages = next(iter(error.message_dict.items()))
            raise ReferenceDataError(result.filename, line, name, " ".join(messages)) from error
        by_key[key] = obj
    try:
        if to_create:
            bulk_create_with_history(to_create, model, batch_size=500)
            result.created += len(to_create)
        if to_update:
            bulk_update_with_history(to_update, model, sorted(update_fields), batch_size=500)
            result.updated += len(to_update)
    except IntegrityError as error:
        raise ReferenceDataError(
            result.filename, None, "-", f"database refused: {error}"
        ) from error
    if to_create:
        # bulk_create does not return primary keys on every database: read them back.
        fresh = {tuple(getattr(obj, f) for f in key_fields): obj for obj in rows_in_db.all()}
        by_key = {key: fresh[key] for key in by_key}
    return by_key


# --- the files ------------------------------------------------------------------------------


class ReferenceLoader:
    """Loads the eight reference files in dependency order."""

    def __init__(self, directory: Path = REFERENCE_DIR) -> None:
        self.directory = directory
        self.result = LoadResult()
        self.jurisdictions: dict[str, Jurisdiction] = {}
        self.programs: dict[str, GrantProgram] = {}

    def run(self, on_file: Callable[[FileResult], None] | None = None) -> LoadResult:
        steps = (
            self.load_jurisdictions,
            self.load_programs,
            self.load_officials,
            self.load_stances,
            self.load_statements,
            self.load_actions,
            self.load_awards,
        )
        with recompute_deferred() as marked:
            self._run_steps(steps, on_file)
        # One recompute for the whole load, once every file is in (a failed file leaves the
        # earlier ones marked: the sweep queues them).
        recompute_enqueue(jurisdiction_ids=sorted(self.result.marked_ids | marked))
        return self.result

    def _run_steps(
        self,
        steps: Iterable[Callable[[], FileResult]],
        on_file: Callable[[FileResult], None] | None,
    ) -> None:
        for step in steps:
            with transaction.atomic():
                touched_before = set(self.result.touched_jurisdiction_ids)
                all_before = self.result.touched_all
                file_result = step()
                # Marked stale in the file's own transaction: a later file that fails cannot
                # leave this file's changes without their recompute.
                if self.result.touched_all and not all_before:
                    ids = set(Jurisdiction.objects.values_list("pk", flat=True))
                else:
                    ids = self.result.touched_jurisdiction_ids - touched_before
                if ids:
                    file_result.marked_stale = jurisdictions_mark_stale(
                        jurisdiction_ids=ids, enqueue=False
                    )
                    self.result.marked_ids |= ids
            self.result.files.append(file_result)
            if on_file:
                on_file(file_result)

    def _reader(self, filename: str) -> RowReader:
        return RowReader(self.directory / filename)

    def _jurisdiction(self, reader: RowReader, column: str) -> Jurisdiction:
        name = reader.text(column)
        if name not in self.jurisdictions:
            reader.fail(column, f"no jurisdiction named '{name}' in jurisdictions.csv")
        return self.jurisdictions[name]

    def _touch(self, *jurisdictions: Jurisdiction) -> None:
        self.result.touched_jurisdiction_ids.update(j.pk for j in jurisdictions)

    # jurisdictions.csv
    def load_jurisdictions(self) -> FileResult:
        result = FileResult("jurisdictions.csv")
        reader = self._reader(result.filename)
        rows: list[tuple[int, dict[str, Any]]] = []
        names: dict[str, str] = {}
        for r in reader.rows():
            name = r.text("name")
            kind = r.choice("kind", KIND_BY_LABEL)
            state = r.choice("state", {code: code for code in US_STATES})
            if name in names.values():
                r.fail("name", f"'{name}' names another row too; the other files join on names")
            names[r.text("fips")] = name
            rows.append(
                (
                    r.line,
                    {
                        "name": name,
                        "kind": kind,
                        "state": state,
                        "fips": r.text("fips"),
                        "county_fips": r.text("county_fips", required=False),
                        "uei": r.text("uei", required=False),
                        "slug": jurisdiction_slug(name=name, kind=kind, state=state),
                        "ocd_id": jurisdiction_ocd_id(name=name, kind=kind, state=state),
                        "population": r.integer("population", required=False),
                        "population_year": r.integer("population_year", required=False),
                        "notes": r.text("notes", required=False),
                        "figures_note": r.text("figures_note", required=False),
                        "source_url": r.url("source_url"),
                    },
                )
            )
        by_key = _upsert(model=Jurisdiction, key_fields=("fips",), rows=rows, result=result)
        loaded = [j for j in by_key.values() if isinstance(j, Jurisdiction)]
        self.jurisdictions = {names[j.fips]: j for j in loaded}
        # Parents: every non-state jurisdiction hangs under its state, when the state is loaded.
        states = {j.state: j for j in loaded if j.kind == JurisdictionKind.STATE}
        orphans = 0
        reparented: list[Jurisdiction] = []
        for j in loaded:
            parent = None if j.kind == JurisdictionKind.STATE else states.get(j.state)
            if j.kind != JurisdictionKind.STATE and parent is None:
                orphans += 1
            if j.parent_id != (parent.pk if parent else None):
                j.parent = parent
                reparented.append(j)
        if reparented:
            bulk_update_with_history(reparented, Jurisdiction, ["parent"], batch_size=500)
            if not result.created:
                result.updated += len(reparented)
        if orphans:
            result.notes.append(f"{orphans} without a parent (their state is not in the file)")
        return result

    # grant_programs.csv
    def load_programs(self) -> FileResult:
        result = FileResult("grant_programs.csv")
        agencies = {label: value for value, label in Agency.choices}
        rows: list[tuple[int, dict[str, Any]]] = []
        for r in self._reader(result.filename).rows():
            name = r.text("name")
            short = re.search(r"\(([^()]+)\)\s*$", name)
            conditions = r.text("immigration_conditions", required=False)
            rows.append(
                (
                    r.line,
                    {
                        "aln": r.text("assistance_listing"),
                        "name": name,
                        "short_name": short.group(1) if short else "",
                        "agency": r.choice("agency", agencies),
                        "sub_agency": r.text("sub_agency", required=False),
                        "funding_type": r.text("formula_or_discretionary", required=False),
                        "immigration_conditions": conditions,
                        # A program carries conditions when the file documents one being
                        # attached; the file says so explicitly where none was found.
                        "conditions_attach": bool(conditions)
                        and not conditions.lower().startswith(("no ", "none")),
                        "conditions_source_url": r.url("conditions_source_url", required=False),
                        "notes": r.text("notes", required=False),
                        "source_url": r.url("source_url"),
                    },
                )
            )
        by_key = _upsert(model=GrantProgram, key_fields=("aln",), rows=rows, result=result)
        self.programs = {p.aln: p for p in by_key.values() if isinstance(p, GrantProgram)}
        return result

    # officials.csv
    ROLE_BY_LABEL = {
        "mayor": OfficialRole.MAYOR,
        "governor": OfficialRole.GOVERNOR,
        "attorney general": OfficialRole.ATTORNEY_GENERAL,
        "county executive": OfficialRole.COUNTY_EXECUTIVE,
        "sheriff": OfficialRole.SHERIFF,
        "police commissioner": OfficialRole.POLICE_CHIEF,
        "police superintendent": OfficialRole.POLICE_CHIEF,
        "police chief": OfficialRole.POLICE_CHIEF,
    }

    def load_officials(self) -> FileResult:
        result = FileResult("officials.csv")
        rows: list[tuple[int, dict[str, Any]]] = []
        for r in self._reader(result.filename).rows():
            label = r.text("role")
            jurisdiction = self._jurisdiction(r, "jurisdiction")
            role = self.ROLE_BY_LABEL.get(label.lower(), OfficialRole.OTHER)
            rows.append(
                (
                    r.line,
                    {
                        "jurisdiction": jurisdiction,
                        "name": r.text("name"),
                        "role": role,
                        "title": "" if label.lower() == role.replace("_", " ") else label,
                        "term_start": r.day("term_start", required=False),
                        "term_start_precision": r.precision("term_start"),
                        "term_end": r.day("term_end", required=False),
                        "term_end_precision": r.precision("term_end"),
                        "notes": r.text("notes", required=False),
                        "source_url": r.url("source_url"),
                    },
                )
            )
        _upsert(
            model=Official, key_fields=("jurisdiction", "name", "role"), rows=rows, result=result
        )
        return result

    # stances.csv
    BASIS_BY_LABEL = {**choice_values(StanceBasis), "policy": StanceBasis.PRACTICE}

    def load_stances(self) -> FileResult:
        result = FileResult("stances.csv")
        rows: list[tuple[int, dict[str, Any]]] = []
        for r in self._reader(result.filename).rows():
            start = r.day("effective_from")
            end = r.day("effective_to", required=False)
            if start and end and end < start:
                r.fail("effective_to", "the period ends before it starts")
            rows.append(
                (
                    r.line,
                    {
                        "jurisdiction": self._jurisdiction(r, "jurisdiction"),
                        "code": r.choice("stance", choice_values(StanceCode)),
                        "effective_from": start,
                        "effective_to": end,
                        "date_precision": r.choice("date_precision", choice_values(DatePrecision)),
                        "basis": r.choice("basis", self.BASIS_BY_LABEL),
                        "description": r.text("description", required=False),
                        "source_url": r.url("source_url"),
                    },
                )
            )
        _check_no_overlap(result.filename, rows)
        _upsert(
            model=PolicyStance,
            key_fields=("jurisdiction", "effective_from"),
            rows=rows,
            result=result,
        )
        if result.changed:
            # The recompute that follows copies the stance in force onto each jurisdiction.
            self._touch(*{values["jurisdiction"] for _, values in rows})
        return result

    # statements.csv
    def load_statements(self) -> FileResult:
        result = FileResult("statements.csv")
        officials = {(o.jurisdiction_id, o.name): o for o in Official.objects.all()}
        rows: list[tuple[int, dict[str, Any]]] = []
        for r in self._reader(result.filename).rows():
            jurisdiction = self._jurisdiction(r, "jurisdiction")
            speaker = r.text("official")
            role = r.text("official_role", required=False)
            official = officials.get((jurisdiction.pk, speaker))
            if official is None and role.lower() in self.ROLE_BY_LABEL:
                r.fail("official", f"no official named '{speaker}' for {jurisdiction.name}")
            rows.append(
                (
                    r.line,
                    {
                        "jurisdiction": jurisdiction,
                        "official": official,
                        "speaker": speaker,
                        "speaker_role": role,
                        "said_on": r.day("said_on"),
                        "date_precision": r.choice("date_precision", choice_values(DatePrecision)),
                        "quote": r.text("quote"),
                        "context": r.text("context", required=False),
                        "position": r.choice("position", choice_values(StatementPosition)),
                        "source_url": r.url("source_url"),
                    },
                )
            )
        _upsert(
            model=Statement,
            key_fields=("jurisdiction", "speaker", "said_on", "quote"),
            rows=rows,
            result=result,
        )
        if result.changed:
            self._touch(*{values["jurisdiction"] for _, values in rows})
        return result

    # federal_actions.csv + federal_action_effects.csv
    ALL_PROGRAMS = {"all federal funds", "all federal grants", "all federal payments"}
    AGENCY_SCOPES = {
        "all dot grants": ("DOT",),
        "all dhs/fema grants": ("DHS",),
        "all doj/ojp grants": ("DOJ",),
        "all doj grants": ("DOJ",),
        "doj and dhs grants": ("DOJ", "DHS"),
    }
    UNLISTED_SCOPES = {"other fema preparedness grants"}

    def _action_programs(self, r: RowReader) -> tuple[bool, set[str]]:
        """Read the programs cell: ALNs in parentheses, agency-wide and all-program scopes."""
        covers_all, alns = False, set()
        for part in filter(
            None, (p.strip() for p in r.text("programs", required=False).split(";"))
        ):
            found = re.findall(r"\((\d{2}\.\d{3})\)", part)
            lowered = part.lower()
            if found:
                for aln in found:
                    if aln not in self.programs:
                        r.fail("programs", f"Assistance Listing {aln} is not in grant_programs.csv")
                    alns.add(aln)
            elif lowered in self.ALL_PROGRAMS:
                covers_all = True
            elif lowered in self.AGENCY_SCOPES:
                agencies = self.AGENCY_SCOPES[lowered]
                alns |= {aln for aln, p in self.programs.items() if p.agency in agencies}
            elif lowered not in self.UNLISTED_SCOPES:
                r.fail("programs", f"cannot read the program scope '{part}'")
        return covers_all, alns

    def load_actions(self) -> FileResult:
        result = FileResult("federal_actions.csv")
        effects: dict[tuple[date | None, str], tuple[str, bool, str]] = {}
        for r in self._reader("federal_action_effects.csv").rows():
            key = (r.day("action_on"), r.text("title"))
            effects[key] = (
                r.choice("effect", choice_values(ActionEffect)),
                r.boolean("targets_all_sanctuary"),
                r.text("rationale", required=False),
            )
        rows: list[tuple[int, dict[str, Any]]] = []
        relations: dict[tuple[date | None, str], tuple[list[Jurisdiction], set[str]]] = {}
        for r in self._reader(result.filename).rows():
            issued_on, title = r.day("action_on"), r.text("title")
            if (issued_on, title) not in effects:
                r.fail("title", "no row with this date and title in federal_action_effects.csv")
            effect, all_sanctuary, rationale = effects.pop((issued_on, title))
            targets: list[Jurisdiction] = []
            for name in filter(
                None, (t.strip() for t in r.text("targets", required=False).split(";"))
            ):
                if name == "all":
                    all_sanctuary = True
                    continue
                if name not in self.jurisdictions:
                    r.fail("targets", f"no jurisdiction named '{name}' in jurisdictions.csv")
                targets.append(self.jurisdictions[name])
            covers_all, alns = self._action_programs(r)
            relations[(issued_on, title)] = (targets, alns)
            rows.append(
                (
                    r.line,
                    {
                        "kind": r.choice("kind", choice_values(ActionKind)),
                        "issuing_body": r.text("issuing_body"),
                        "title": title,
                        "issued_on": issued_on,
                        "date_precision": r.choice("date_precision", choice_values(DatePrecision)),
                        "summary": r.text("summary", required=False),
                        "effect": effect,
                        "targets_all_sanctuary": all_sanctuary,
                        "covers_all_programs": covers_all,
                        "programs_text": r.text("programs", required=False)[:500],
                        "notes": r.text("notes", required=False),
                        "effect_rationale": rationale,
                        "source_url": r.url("source_url"),
                    },
                )
            )
        if effects:
            (day, title), _ = next(iter(effects.items()))
            raise ReferenceDataError(
                "federal_action_effects.csv",
                None,
                "title",
                f"'{title}' ({day}) matches no row of federal_actions.csv",
            )
        by_key = _upsert(
            model=FederalAction, key_fields=("issued_on", "title"), rows=rows, result=result
        )
        relinked = self._link_actions(by_key, relations)
        relinked += self._load_statuses(by_key)
        relinked += self._load_scopes(by_key)
        if relinked and not result.created:
            result.updated += relinked
        if result.changed:
            self.result.touched_all = True
        return result

    def _action(self, r: RowReader, actions: dict, day_column: str, title_column: str) -> Any:
        key = (r.day(day_column), r.text(title_column))
        if key not in actions:
            r.fail(title_column, "no row with this date and title in federal_actions.csv")
        return actions[key]

    def _load_statuses(self, actions: dict[tuple[Any, ...], models.Model]) -> int:
        """federal_action_statuses.csv: each action's dated status changes (replaced whole when
        they differ); then each action's current status. Returns how many actions changed."""
        filename = "federal_action_statuses.csv"
        wanted: dict[int, list[tuple]] = {action.pk: [] for action in actions.values()}
        for r in self._reader(filename).rows():
            action = self._action(r, actions, "action_on", "title")
            cause = None
            if r.text("caused_by_title", required=False) or r.text(
                "caused_by_action_on", required=False
            ):
                cause = self._action(r, actions, "caused_by_action_on", "caused_by_title")
            on = r.day("status_from", required=cause is None)
            wanted[action.pk].append(
                (
                    r.choice("status", choice_values(ActionStatus)),
                    on,
                    r.precision("status_from", "date_precision"),
                    r.choice("applies_to", {"": "", "listed": "listed"}, required=False)
                    == "listed",
                    cause.pk if cause is not None else None,
                    r.url("source_url", required=cause is None),
                    r.text("notes", required=False),
                )
            )
            day = on or cause.issued_on  # type: ignore[union-attr]
            if day < action.issued_on:
                r.fail("status_from", "the status changes before the action was issued")
        fields = ("status", "effective_from", "date_precision", "listed_only", "caused_by_id",
                  "source_url", "notes")  # fmt: skip
        current: dict[int, list[tuple]] = defaultdict(list)
        for row in FederalActionStatus.objects.order_by("pk").values_list("action_id", *fields):
            current[row[0]].append(tuple(row[1:]))
        changed = 0
        for action_id, rows in wanted.items():
            if sorted(rows, key=repr) == sorted(current.get(action_id, []), key=repr):
                continue
            changed += 1
            FederalActionStatus.objects.filter(action_id=action_id).delete()
            bulk_create_with_history(
                [
                    FederalActionStatus(action_id=action_id, **dict(zip(fields, row, strict=True)))
                    for row in rows
                ],
                FederalActionStatus,
            )
        for action in actions.values():
            federal_action_status_refresh(action=action)  # type: ignore[arg-type]
        return changed

    def _load_scopes(self, actions: dict[tuple[Any, ...], models.Model]) -> int:
        """federal_action_scopes.csv: what each injunction or rescission blocks, on which
        programs (replaced whole when it differs). Returns how many actions changed."""
        wanted: dict[int, dict[int, frozenset[int]]] = {a.pk: {} for a in actions.values()}
        for r in self._reader("federal_action_scopes.csv").rows():
            protector = self._action(r, actions, "action_on", "title")
            if protector.effect not in {"injunction", "rescission"}:
                r.fail("title", "only an injunction or a rescission blocks other actions")
            blocked = self._action(r, actions, "blocks_action_on", "blocks_title")
            cell = r.text("programs")
            programs: set[int] = set()
            if cell != "all":
                for aln in filter(None, (a.strip() for a in cell.split(";"))):
                    if aln not in self.programs:
                        r.fail("programs", f"{aln} is not in grant_programs.csv")
                    programs.add(self.programs[aln].pk)
            if blocked.pk in wanted[protector.pk]:
                r.fail("blocks_title", "this action is already blocked by this row's action")
            wanted[protector.pk][blocked.pk] = frozenset(programs)
        current: dict[int, dict[int, frozenset[int]]] = defaultdict(dict)
        blocks = ActionBlock.objects.prefetch_related("programs").order_by("pk")
        for block in blocks:
            current[block.protector_id][block.blocked_id] = frozenset(
                p.pk for p in block.programs.all()
            )
        changed = 0
        for protector_id, scope in wanted.items():
            if scope == current.get(protector_id, {}):
                continue
            changed += 1
            ActionBlock.objects.filter(protector_id=protector_id).delete()
            for blocked_id, named in scope.items():
                block = ActionBlock.objects.create(protector_id=protector_id, blocked_id=blocked_id)
                block.programs.set(named)
        return changed

    def _link_actions(
        self,
        by_key: dict[tuple[Any, ...], models.Model],
        relations: dict[tuple[date | None, str], tuple[list[Jurisdiction], set[str]]],
    ) -> int:
        """Set each action's targets and programs in bulk; returns how many actions changed."""
        target_model = FederalAction.targets.through
        program_model = FederalAction.programs.through
        current_targets: dict[int, set[int]] = {}
        for action_id, jurisdiction_id in target_model.objects.values_list(
            "federalaction_id", "jurisdiction_id"
        ):
            current_targets.setdefault(action_id, set()).add(jurisdiction_id)
        current_programs: dict[int, set[int]] = {}
        for action_id, program_id in program_model.objects.values_list(
            "federalaction_id", "grantprogram_id"
        ):
            current_programs.setdefault(action_id, set()).add(program_id)
        changed = 0
        for key, action in by_key.items():
            targets, alns = relations[key]  # type: ignore[index]
            want_targets = {j.pk for j in targets}
            want_programs = {self.programs[aln].pk for aln in alns}
            if (
                current_targets.get(action.pk, set()) == want_targets
                and current_programs.get(action.pk, set()) == want_programs
            ):
                continue
            changed += 1
            target_model.objects.filter(federalaction_id=action.pk).delete()
            program_model.objects.filter(federalaction_id=action.pk).delete()
            target_model.objects.bulk_create(
                target_model(federalaction_id=action.pk, jurisdiction_id=j) for j in want_targets
            )
            program_model.objects.bulk_create(
                program_model(federalaction_id=action.pk, grantprogram_id=p) for p in want_programs
            )
        return changed

    # grant_awards.csv
    def load_awards(self) -> FileResult:
        result = FileResult("grant_awards.csv")
        rows: list[tuple[int, dict[str, Any]]] = []
        for r in self._reader(result.filename).rows():
            aln = r.text("assistance_listing", required=False)
            if aln and aln not in self.programs:
                r.fail("assistance_listing", f"{aln} is not in grant_programs.csv")
            rows.append(
                (
                    r.line,
                    {
                        "jurisdiction": self._jurisdiction(r, "jurisdiction"),
                        "program": self.programs[aln] if aln else None,
                        "program_label": r.text("program"),
                        "fiscal_year": r.integer("fiscal_year"),
                        "amount_usd": r.integer("amount_usd"),
                        "figure_kind": r.choice("figure_kind", choice_values(FigureKind)),
                        "approximate": r.boolean("approximate"),
                        "published_on": r.day("published_on", required=False),
                        "published_on_precision": r.precision("published_on"),
                        "award_id": r.text("award_id", required=False),
                        "notes": r.text("notes", required=False),
                        "source_url": r.url("source_url"),
                    },
                )
            )
        by_key = _upsert(
            model=GrantAward,
            key_fields=("jurisdiction", "program_label", "fiscal_year", "figure_kind"),
            rows=rows,
            result=result,
        )
        touched = {values["jurisdiction"] for _, values in rows}
        shares, members = self._load_shares(by_key)
        if shares and not result.created:
            result.updated += shares
        if result.changed:
            self._touch(*touched, *members)
        return result

    def _load_shares(
        self, awards: dict[tuple[Any, ...], models.Model]
    ) -> tuple[int, set[Jurisdiction]]:
        """grant_award_shares.csv: the members of joint awards and their shares (replaced whole
        per award when they differ). Returns how many awards changed and their members."""
        by_program = {
            (award.jurisdiction_id, award.program.aln if award.program else "",  # type: ignore[attr-defined]
             award.fiscal_year, award.figure_kind): award  # type: ignore[attr-defined]
            for award in awards.values()
        }  # fmt: skip
        wanted: dict[int, dict[int, tuple]] = defaultdict(dict)
        members: set[Jurisdiction] = set()
        for r in self._reader("grant_award_shares.csv").rows():
            agent = self._jurisdiction(r, "jurisdiction")
            key = (agent.pk, r.text("assistance_listing"), r.integer("fiscal_year"),
                   r.choice("figure_kind", choice_values(FigureKind)))  # fmt: skip
            award = by_program.get(key)
            if award is None:
                r.fail("jurisdiction", "no award in grant_awards.csv has this agent, program, "
                       "fiscal year and kind")  # fmt: skip
            member = self._jurisdiction(r, "member")
            if member.pk == agent.pk and not r.text("share_usd", required=False):
                r.fail("share_usd", "the fiscal agent is listed only with its own share")
            if member.pk in wanted[award.pk]:  # type: ignore[union-attr]
                r.fail("member", "this member is listed twice for the award")
            share = r.integer("share_usd", required=False)
            wanted[award.pk][member.pk] = (  # type: ignore[union-attr]
                share, r.text("notes", required=False), r.url("source_url"),
            )  # fmt: skip
            members.add(member)
        for award_id, shares in wanted.items():
            known = sum(share for share, _, _ in shares.values() if share is not None)
            award = next(a for a in awards.values() if a.pk == award_id)
            if known > award.amount_usd:  # type: ignore[attr-defined]
                raise ReferenceDataError(
                    "grant_award_shares.csv", None, "share_usd",
                    f"the members' shares of {award} exceed its amount",
                )  # fmt: skip
        current: dict[int, dict[int, tuple]] = defaultdict(dict)
        for award_id, member_id, share, notes, source in GrantAwardShare.objects.values_list(
            "award_id", "jurisdiction_id", "amount_usd", "notes", "source_url"
        ):
            current[award_id][member_id] = (share, notes, source)
        changed = 0
        for award_id in {*wanted, *current}:
            if wanted.get(award_id, {}) == current.get(award_id, {}):
                continue
            changed += 1
            members.update(Jurisdiction.objects.filter(pk__in=list(current.get(award_id, {}))))
            GrantAwardShare.objects.filter(award_id=award_id).delete()
            bulk_create_with_history(
                [
                    GrantAwardShare(award_id=award_id, jurisdiction_id=member_id,
                                    amount_usd=share, notes=notes, source_url=source)
                    for member_id, (share, notes, source) in wanted.get(award_id, {}).items()
                ],
                GrantAwardShare,
            )  # fmt: skip
        return changed, members


def _check_no_overlap(filename: str, rows: Iterable[tuple[int, dict[str, Any]]]) -> None:
    """Stance periods of one jurisdiction in the file must not overlap."""
    by_jurisdiction: dict[int, list[tuple[int, dict[str, Any]]]] = {}
    for line, values in rows:
        by_jurisdiction.setdefault(values["jurisdiction"].pk, []).append((line, values))
    for periods in by_jurisdiction.values():
        periods.sort(key=lambda item: item[1]["effective_from"])
        for (_, before), (line, after) in pairwise(periods):
            if before["effective_to"] is None or before["effective_to"] >= after["effective_from"]:
                raise ReferenceDataError(
                    filename, line, "effective_from", "this period overlaps the one before it"
                )
