"""Writes of the compliance domain: roles, statements, federal actions, and risk."""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from itertools import islice
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from grants.services import (
    ImportResult,
    LineError,
    csv_rows_read,
    imported_rows_create,
    line_errors,
)
from jurisdictions.choices import DatePrecision, StanceCode
from jurisdictions.models import Jurisdiction, Official

from .models import FederalAction, RiskAssessment, Statement
from .risk import Assessment, RiskInputs, assess, stance_at
from .selectors import risk_inputs_for, risk_inputs_for_many

logger = logging.getLogger(__name__)

# Models an editor maintains (add, change, delete); an analyst may only view them.
EDITED_MODELS = (
    "compliance.statement",
    "compliance.federalaction",
    "jurisdictions.policystance",
    "jurisdictions.official",
    "grants.grantaward",
)
# Models both roles may view.
VIEWED_MODELS = (
    *EDITED_MODELS,
    "jurisdictions.jurisdiction",
    "grants.grantprogram",
    "compliance.riskassessment",
)

# Ids per queued recompute job, and per transaction of the set-based recorder.
ENQUEUE_CHUNK_SIZE = 500
RECORD_BATCH_SIZE = 2_000
# A coalescing key outlives its countdown by this much, in case its job is lost.
QUEUE_KEY_MARGIN_SECONDS = 300


@transaction.atomic
def roles_ensure() -> dict[str, int]:
    """Create or refresh the ``editor`` and ``analyst`` groups; returns permissions per group."""

    def perms(models: tuple[str, ...], actions: tuple[str, ...]) -> list[Permission]:
        wanted = []
        for label in models:
            app_label, model = label.split(".")
            wanted += [(app_label, f"{action}_{model}") for action in actions]
        found = {
            (p.content_type.app_label, p.codename): p
            for p in Permission.objects.select_related("content_type").filter(
                codename__in=[codename for _, codename in wanted]
            )
        }
        missing = [w for w in wanted if w not in found]
        if missing:
            raise LookupError(f"Permissions not found (run migrate first): {missing}")
        return [found[w] for w in wanted]

    editor_perms = perms(EDITED_MODELS, ("add", "change", "delete", "view")) + perms(
        tuple(m for m in VIEWED_MODELS if m not in EDITED_MODELS), ("view",)
    )
    analyst_perms = perms(VIEWED_MODELS, ("view",))
    editor, _ = Group.objects.get_or_create(name="editor")
    editor.permissions.set(editor_perms)
    analyst, _ = Group.objects.get_or_create(name="analyst")
    analyst.permissions.set(analyst_perms)
    return {"editor": len(editor_perms), "analyst": len(analyst_perms)}


# --- Marking stale and queueing recomputes --------------------------------------------------


def batched(items: Iterable[int], size: int) -> Iterable[tuple[int, ...]]:
    """``itertools.batched`` of Python 3.12, for our Python 3.11."""
    iterator = iter(items)
    while chunk := tuple(islice(iterator, size)):
        yield chunk


def jurisdictions_mark_stale(*, jurisdiction_ids: Iterable[int]) -> int:
    """Mark jurisdictions stale and bump their generation; queue their recompute after commit.

    One UPDATE in the caller's transaction, so a rolled-back change marks and queues nothing.
    ``risk_stale_since`` keeps the moment the figures first went stale, for the sweep.
    Returns the number of rows marked.
    """
    ids = sorted({int(i) for i in jurisdiction_ids if i is not None})
    if not ids:
        return 0
    marked = Jurisdiction.objects.filter(pk__in=ids).update(
        risk_stale=True,
        risk_generation=F("risk_generation") + 1,
        risk_stale_since=Coalesce(F("risk_stale_since"), Value(timezone.now())),
    )
    transaction.on_commit(partial(_enqueue_recompute, ids), robust=True)
    return marked


def _queue_key(jurisdiction_id: int) -> str:
    return f"risk:q:{jurisdiction_id}"


def _recent_key(jurisdiction_id: int) -> str:
    return f"risk:r:{jurisdiction_id}"


def _enqueue_recompute(jurisdiction_ids: Sequence[int]) -> int:
    """Queue recompute jobs in chunks of at most 500 ids, skipping ids with a job waiting.

    Coalescing: ``cache.add("risk:q:<id>")`` succeeds only when no job is waiting for the id
    (the job deletes its keys before it reads anything). An id queued within the last
    ``RISK_COALESCE_SECONDS`` waits that long (``countdown``), so a burst of saves costs one
    job per window; an id that was quiet runs at once, so a lone save shows within a second.

    Never raises: when the broker is down the ids stay stale, their coalescing keys are
    dropped, and the sweep queues them later. Returns the number of ids queued.
    """
    from .tasks import recompute_jurisdictions_task

    window = settings.RISK_COALESCE_SECONDS
    timeout = window + QUEUE_KEY_MARGIN_SECONDS
    queued = 0
    for chunk in batched(jurisdiction_ids, ENQUEUE_CHUNK_SIZE):
        try:
            fresh = [i for i in chunk if cache.add(_queue_key(i), 1, timeout=timeout)]
            recent = cache.get_many([_recent_key(i) for i in fresh]) if fresh else {}
            if fresh and window:
                # "Recent" lasts one window past the job's start, delayed or not.
                for delay in (0, window):
                    keys = {
                        _recent_key(i): 1
                        for i in fresh
                        if (_recent_key(i) in recent) == bool(delay)
                    }
                    if keys:
                        cache.set_many(keys, timeout=delay + window)
        except Exception:
            logger.exception("Recompute coalescing unavailable; queueing %d ids", len(chunk))
            fresh, recent = list(chunk), {}
        now = [i for i in fresh if _recent_key(i) not in recent]
        later = [i for i in fresh if _recent_key(i) in recent]
        for ids, countdown in ((now, 0), (later, window)):
            if not ids:
                continue
            try:
                recompute_jurisdictions_task.apply_async(args=[ids], countdown=countdown)
            except Exception:
                logger.exception(
                    "Could not queue the recompute of %d jurisdictions; they stay stale until "
                    "the sweep queues them",
                    len(ids),
                )
                _queue_keys_clear(jurisdiction_ids=ids)
                continue
            queued += len(ids)
    return queued


def _queue_keys_clear(*, jurisdiction_ids: Sequence[int]) -> None:
    try:
        cache.delete_many([_queue_key(i) for i in jurisdiction_ids])
    except Exception:
        logger.exception("Could not clear %d recompute keys", len(jurisdiction_ids))


def risk_queue_keys_clear(*, jurisdiction_ids: Sequence[int]) -> None:
    """Forget that recomputes are waiting, so a save from now on queues a follow-up job."""
    _queue_keys_clear(jurisdiction_ids=jurisdiction_ids)


def risk_recompute_enqueue(*, jurisdiction_ids: Sequence[int]) -> int:
    """Queue recomputes now (the admin's "recompute now" and ``recompute_risk --enqueue``)."""
    return _enqueue_recompute(sorted(set(jurisdiction_ids)))


# --- Computing and recording assessments ----------------------------------------------------


def risk_assessment_compute(*, jurisdiction_id: int, as_of: date) -> Assessment:
    """The assessment of one jurisdiction as of a date, computed and not stored.

    Raises ``Jurisdiction.DoesNotExist`` for an unknown id.
    """
    return assess(risk_inputs_for(jurisdiction_id=jurisdiction_id, as_of=as_of), as_of=as_of)


def _round_score(value: float) -> float:
    return round(float(value), 6)


def _assessment_json(assessment: Assessment) -> tuple[list[dict], list[dict]]:
    programs = [
        {"aln": p.aln, "name": p.name, "exposure_usd": p.exposure_usd,
         "max_at_risk_usd": p.max_at_risk_usd, "funding_at_risk_usd": p.funding_at_risk_usd,
         "award_fiscal_year": p.award_fiscal_year}
        for p in assessment.programs
    ]  # fmt: skip
    drivers = [
        {"evidence_kind": d.evidence_kind, "evidence_id": d.evidence_id,
         "contribution_usd": d.contribution_usd,
         "contribution_score": _round_score(d.contribution_score), "sentence": d.sentence}
        for d in assessment.drivers
    ]  # fmt: skip
    return programs, drivers


def risk_fingerprint(*, assessment: Assessment) -> str:
    """sha256 of what an assessment says (method, figures, programs, drivers), not when."""
    a = assessment
    payload = (
        a.method_version, a.exposure_usd, a.max_at_risk_usd, a.funding_at_risk_usd, a.score,
        a.level, a.stance,
        [(p.aln, p.name, p.exposure_usd, p.max_at_risk_usd, p.funding_at_risk_usd,
          p.award_fiscal_year) for p in a.programs],
        [(d.evidence_kind, d.evidence_id, d.contribution_usd,
          _round_score(d.contribution_score), d.sentence) for d in a.drivers],
    )  # fmt: skip
    return hashlib.sha256(repr(payload).encode()).hexdigest()


def _current_stance(inputs: RiskInputs, on: date) -> tuple[str, date | None]:
    """The stance period in force on a date (the engine's rule): its code and start, as
    ``jurisdictions.services.jurisdiction_stance_refresh`` and the API report them."""
    period = stance_at(inputs.stances, on)
    return (period.code, period.effective_from) if period else (StanceCode.UNKNOWN.value, None)


@dataclass(frozen=True, slots=True)
class _Computed:
    jurisdiction_id: int
    generation: int
    assessment: Assessment
    fingerprint: str
    stance: str
    stance_since: date | None


@dataclass(slots=True)
class RecordSummary:
    """What a set-based recompute did."""

    computed: int = 0
    history_rows: int = 0
    seconds: float = 0.0


def _compute(inputs: RiskInputs, generation: int, as_of: date) -> _Computed:
    assessment = assess(inputs, as_of=as_of)
    stance, since = _current_stance(inputs, as_of)
    return _Computed(
        jurisdiction_id=inputs.jurisdiction_id,
        generation=generation,
        assessment=assessment,
        fingerprint=risk_fingerprint(assessment=assessment),
        stance=stance,
        stance_since=since,
    )


_UPDATE_SQL = """
UPDATE jurisdictions_jurisdiction AS j SET
    exposure_usd = v.exposure_usd,
    max_at_risk_usd = v.max_at_risk_usd,
    funding_at_risk_usd = v.funding_at_risk_usd,
    risk_score = v.risk_score,
    risk_level = v.risk_level,
    risk_computed_at = %s,
    stance = v.stance,
    stance_since = v.stance_since,
    risk_stale = false,
    risk_stale_since = NULL
FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[],
            %s::int[], %s::varchar[], %s::varchar[], %s::date[])
     AS v(id, generation, exposure_usd, max_at_risk_usd, funding_at_risk_usd, risk_score,
          risk_level, stance, stance_since)
WHERE j.id = v.id
  AND j.risk_generation = v.generation
  AND (j.risk_stale
       OR (j.exposure_usd, j.max_at_risk_usd, j.funding_at_risk_usd, j.risk_score, j.risk_level,
           j.stance, j.stance_since)
          IS DISTINCT FROM
          (v.exposure_usd, v.max_at_risk_usd, v.funding_at_risk_usd, v.risk_score,
           v.risk_level, v.stance, v.stance_since))
"""


_LOCK_SQL = (
    "SELECT id, risk_generation FROM jurisdictions_jurisdiction WHERE id = ANY(%s) "
    "ORDER BY id FOR UPDATE"
)
_LATEST_SQL = """
SELECT DISTINCT ON (jurisdiction_id) jurisdiction_id, fingerprint
FROM compliance_riskassessment WHERE jurisdiction_id = ANY(%s)
ORDER BY jurisdiction_id, computed_at DESC, id DESC
"""


def _persist(
    results: Sequence[_Computed], *, computed_at: datetime
) -> tuple[dict[int, Any], dict[int, RiskAssessment]]:
    """Write one batch: lock the rows in pk order, insert history rows whose fingerprint changed,
    copy the figures onto the jurisdictions and clear their stale flag. A result computed from
    inputs that changed since its generation was read is dropped whole (no figures, no history):
    the change that bumped the generation queued its own recompute, and a late, older result
    must never overwrite a newer one. A fresh row whose figures did not change is not rewritten
    (its ``risk_computed_at`` stays at the last write).

    Returns the history rows written by jurisdiction id and, for a single jurisdiction whose
    result did not change, its latest row (so the caller needs no further query).
    """
    if not results:
        return {}, {}
    if connection.vendor != "postgresql":
        return _persist_portable(results, computed_at=computed_at)
    results = sorted(results, key=lambda r: r.jurisdiction_id)
    ids = [r.jurisdiction_id for r in results]
    unchanged: dict[int, RiskAssessment] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_LOCK_SQL, [ids])
        current = dict(cursor.fetchall())
        results = [r for r in results if current.get(r.jurisdiction_id) == r.generation]
        if len(results) == 1:
            row = (
                RiskAssessment.objects.filter(jurisdiction_id=results[0].jurisdiction_id)
                .defer("programs", "drivers")  # only the fingerprint is compared
                .order_by("-computed_at", "-id")
                .first()
            )
            latest = {row.jurisdiction_id: row.fingerprint} if row else {}
            if row is not None and row.fingerprint == results[0].fingerprint:
                unchanged[row.jurisdiction_id] = row
        else:
            cursor.execute(_LATEST_SQL, [ids])
            latest = dict(cursor.fetchall())
        changed = [r for r in results if latest.get(r.jurisdiction_id) != r.fingerprint]
        written = _history_insert(changed, computed_at=computed_at)
        columns: list[list[Any]] = [[] for _ in range(9)]
        for r in results:
            a = r.assessment
            values = (
                r.jurisdiction_id, r.generation, a.exposure_usd, a.max_at_risk_usd,
                a.funding_at_risk_usd, a.score, a.level, r.stance, r.stance_since,
            )  # fmt: skip
            for column, value in zip(columns, values, strict=True):
                column.append(value)
        if results:
            cursor.execute(_UPDATE_SQL, [computed_at, *columns])
    return written, unchanged


def _persist_portable(
    results: Sequence[_Computed], *, computed_at: datetime
) -> tuple[dict[int, Any], dict[int, RiskAssessment]]:
    """The same writes, row by row, for the embedded SQLite development database."""
    written: dict[int, Any] = {}
    unchanged: dict[int, RiskAssessment] = {}
    with transaction.atomic():
        for r in sorted(results, key=lambda r: r.jurisdiction_id):
            locked = Jurisdiction.objects.select_for_update().filter(
                pk=r.jurisdiction_id, risk_generation=r.generation
            )
            if not locked.exists():  # deleted, or changed since its inputs were read
                continue
            latest = (
                RiskAssessment.objects.filter(jurisdiction_id=r.jurisdiction_id)
                .order_by("-computed_at", "-id")
                .first()
            )
            if latest is not None and latest.fingerprint == r.fingerprint:
                unchanged[r.jurisdiction_id] = latest
            else:
                written.update(_history_insert([r], computed_at=computed_at))
            a = r.assessment
            locked.update(
                exposure_usd=a.exposure_usd, max_at_risk_usd=a.max_at_risk_usd,
                funding_at_risk_usd=a.funding_at_risk_usd, risk_score=a.score,
                risk_level=a.level, risk_computed_at=computed_at, stance=r.stance,
                stance_since=r.stance_since, risk_stale=False, risk_stale_since=None,
            )  # fmt: skip
    return written, unchanged


HISTORY_COLUMNS = (
    "jurisdiction_id", "computed_at", "as_of", "method_version", "exposure_usd",
    "max_at_risk_usd", "funding_at_risk_usd", "score", "level", "stance", "programs", "drivers",
    "fingerprint",
)  # fmt: skip


def _history_insert(changed: Sequence[_Computed], *, computed_at: datetime) -> dict[int, Any]:
    """Insert history rows: one INSERT for a few, COPY for many (the national path).

    Returns the new rows by jurisdiction id: model instances after an INSERT, and just the
    ids (mapped to True) after a COPY, which nobody reads back.
    """
    if not changed:
        return {}
    if len(changed) < 50 or connection.vendor != "postgresql":
        rows = []
        for r in changed:
            a = r.assessment
            programs, drivers = _assessment_json(a)
            rows.append(
                RiskAssessment(
                    jurisdiction_id=r.jurisdiction_id,
                    computed_at=computed_at,
                    as_of=a.as_of,
                    method_version=a.method_version,
                    exposure_usd=a.exposure_usd,
                    max_at_risk_usd=a.max_at_risk_usd,
                    funding_at_risk_usd=a.funding_at_risk_usd,
                    score=a.score,
                    level=a.level,
                    stance=a.stance,
                    programs=programs,
                    drivers=drivers,
                    fingerprint=r.fingerprint,
                )
            )
        RiskAssessment.objects.bulk_create(rows)
        return {row.jurisdiction_id: row for row in rows}
    table = RiskAssessment._meta.db_table
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(HISTORY_COLUMNS)}) FROM STDIN") as copy,
    ):
        for r in changed:
            a = r.assessment
            programs, drivers = _assessment_json(a)
            copy.write_row((
                r.jurisdiction_id, computed_at, a.as_of, a.method_version, a.exposure_usd,
                a.max_at_risk_usd, a.funding_at_risk_usd, a.score, a.level, a.stance,
                dumps(programs), dumps(drivers), r.fingerprint,
            ))  # fmt: skip
    return dict.fromkeys((r.jurisdiction_id for r in changed), True)


def risk_assessment_record(*, jurisdiction_id: int) -> RiskAssessment | None:
    """Recompute one jurisdiction as of today and persist the result; idempotent.

    Reads ``risk_generation`` before the inputs; a change saved during the computation bumps
    it, and the stale result is then dropped (the change queued its own recompute). Writes a
    history row only when the result differs from the latest. Returns the latest history row
    (new or unchanged), or None for an unknown jurisdiction or a result overtaken by a change.
    """
    generation = (
        Jurisdiction.objects.filter(pk=jurisdiction_id)
        .values_list("risk_generation", flat=True)
        .first()
    )
    if generation is None:
        logger.info("Jurisdiction %s no longer exists; nothing to recompute", jurisdiction_id)
        return None
    as_of = timezone.localdate()
    try:
        inputs = risk_inputs_for(jurisdiction_id=jurisdiction_id, as_of=as_of)
    except Jurisdiction.DoesNotExist:
        logger.info("Jurisdiction %s was deleted during its recompute", jurisdiction_id)
        return None
    computed = _compute(inputs, generation, as_of)
    written, unchanged = _persist([computed], computed_at=timezone.now())
    return written.get(jurisdiction_id) or unchanged.get(jurisdiction_id)


def risk_assessments_record_many(
    *,
    jurisdiction_ids: Sequence[int] | None = None,
    batch_size: int = RECORD_BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> RecordSummary:
    """Recompute many jurisdictions (all when ``jurisdiction_ids`` is None), set-based.

    One read of the generations, one set-based read of every input, the engine in memory,
    then one transaction per ``batch_size`` jurisdictions. ``progress`` is called with the
    number of jurisdictions done in each batch.
    """
    started = time.perf_counter()
    as_of = timezone.localdate()
    generations = Jurisdiction.objects.order_by("pk")
    if jurisdiction_ids is not None:
        generations = generations.filter(pk__in=list(jurisdiction_ids))
    seen = dict(generations.values_list("pk", "risk_generation"))
    all_inputs = risk_inputs_for_many(
        jurisdiction_ids=None if jurisdiction_ids is None else list(seen), as_of=as_of
    )
    summary = RecordSummary()
    computed_at = timezone.now()
    pending: list[_Computed] = []
    for jid in sorted(all_inputs):
        if jid not in seen:
            continue
        pending.append(_compute(all_inputs.pop(jid), seen[jid], as_of))
        if len(pending) >= batch_size:
            summary.history_rows += len(_persist(pending, computed_at=computed_at)[0])
            summary.computed += len(pending)
            if progress:
                progress(len(pending))
            pending = []
    if pending:
        summary.history_rows += len(_persist(pending, computed_at=computed_at)[0])
        summary.computed += len(pending)
        if progress:
            progress(len(pending))
    summary.seconds = time.perf_counter() - started
    return summary


def _record_part(jurisdiction_ids: list[int]) -> tuple[int, int]:
    """One forked process's share of a parallel recompute, on its own connection."""
    try:
        part = risk_assessments_record_many(jurisdiction_ids=jurisdiction_ids)
        return part.computed, part.history_rows
    finally:
        connections.close_all()


def risk_assessments_record_parallel(
    *,
    jurisdiction_ids: Sequence[int],
    processes: int,
    progress: Callable[[int], None] | None = None,
    min_per_process: int = RECORD_BATCH_SIZE,
) -> RecordSummary:
    """``risk_assessments_record_many`` split over forked processes, one contiguous range of ids
    each, so the engine runs on every core while PostgreSQL writes.

    Runs in line instead on another database, inside a transaction (forked processes could not
    see its rows), inside a daemonic process such as a Celery worker's (it may not fork), or
    when each process would get fewer than ``min_per_process`` ids.
    """
    ids = sorted(set(jurisdiction_ids))
    processes = min(processes, len(ids) // max(min_per_process, 1))
    if (
        processes < 2
        or connection.vendor != "postgresql"
        or connection.in_atomic_block
        or multiprocessing.current_process().daemon
    ):
        return risk_assessments_record_many(jurisdiction_ids=ids, progress=progress)
    started = time.perf_counter()
    parts = [
        ids[k * len(ids) // processes : (k + 1) * len(ids) // processes] for k in range(processes)
    ]
    connections.close_all()  # a forked process must never share the parent's connection
    summary = RecordSummary()
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        for computed, history_rows in pool.imap_unordered(_record_part, parts):
            summary.computed += computed
            summary.history_rows += history_rows
            if progress:
                progress(computed)
    summary.seconds = time.perf_counter() - started
    return summary


# --- Statements -----------------------------------------------------------------------------


STATEMENT_FIELDS = (
    "jurisdiction", "official", "speaker", "speaker_role", "said_on", "date_precision",
    "quote", "context", "position", "source_url",
)  # fmt: skip


@transaction.atomic
def statement_create(
    *,
    jurisdiction: Jurisdiction,
    speaker: str,
    said_on: date,
    quote: str,
    position: str,
    source_url: str,
    official: Official | None = None,
    speaker_role: str = "",
    context: str = "",
    date_precision: str = DatePrecision.DAY,
) -> Statement:
    """Validate and save a statement; its jurisdiction is marked stale by the save signal."""
    statement = Statement(
        jurisdiction=jurisdiction, official=official, speaker=speaker, speaker_role=speaker_role,
        said_on=said_on, date_precision=date_precision, quote=quote, context=context,
        position=position, source_url=source_url,
    )  # fmt: skip
    statement.full_clean()
    statement.save()
    return statement


@transaction.atomic
def statement_update(*, statement: Statement, data: Mapping[str, Any]) -> Statement:
    """Change the given fields; both the old and the new jurisdiction go stale."""
    unknown = set(data) - set(STATEMENT_FIELDS)
    if unknown:
        raise ValidationError({name: "This field cannot be changed." for name in sorted(unknown)})
    for name, value in data.items():
        setattr(statement, name, value)
    statement.full_clean()
    statement.save()
    return statement


@transaction.atomic
def statement_delete(*, statement: Statement) -> None:
    """Delete a statement; its jurisdiction is marked stale by the delete signal."""
    statement.delete()


# --- Federal actions ------------------------------------------------------------------------


FEDERAL_ACTION_FIELDS = (
    "kind", "issuing_body", "title", "issued_on", "date_precision", "summary", "effect",
    "status", "status_since", "targets_all_sanctuary", "covers_all_programs", "programs_text",
    "notes", "effect_rationale", "source_url",
)  # fmt: skip


@transaction.atomic
def federal_action_create(
    *,
    kind: str,
    issuing_body: str,
    title: str,
    issued_on: date,
    effect: str,
    source_url: str,
    status: str = "in_effect",
    status_since: date | None = None,
    targets: Iterable[Jurisdiction] = (),
    targets_all_sanctuary: bool = False,
    programs: Iterable[Any] = (),
    covers_all_programs: bool = False,
    date_precision: str = DatePrecision.DAY,
    summary: str = "",
    programs_text: str = "",
    notes: str = "",
    effect_rationale: str = "",
) -> FederalAction:
    """Validate and save an action with its targets and programs; whoever it reaches goes
    stale (through the save and m2m signals)."""
    action = FederalAction(
        kind=kind, issuing_body=issuing_body, title=title, issued_on=issued_on,
        date_precision=date_precision, summary=summary, effect=effect, status=status,
        status_since=status_since, targets_all_sanctuary=targets_all_sanctuary,
        covers_all_programs=covers_all_programs, programs_text=programs_text, notes=notes,
        effect_rationale=effect_rationale, source_url=source_url,
    )  # fmt: skip
    action.full_clean()
    action.save()
    action.targets.set(list(targets))
    action.programs.set(list(programs))
    return action


@transaction.atomic
def federal_action_update(*, action: FederalAction, data: Mapping[str, Any]) -> FederalAction:
    """Change the given fields; ``targets`` and ``programs`` replace the sets when given."""
    data = dict(data)
    targets = data.pop("targets", None)
    programs = data.pop("programs", None)
    unknown = set(data) - set(FEDERAL_ACTION_FIELDS)
    if unknown:
        raise ValidationError({name: "This field cannot be changed." for name in sorted(unknown)})
    for name, value in data.items():
        setattr(action, name, value)
    action.full_clean()
    action.save()
    if targets is not None:
        action.targets.set(list(targets))
    if programs is not None:
        action.programs.set(list(programs))
    return action


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
