"""Computing and recording assessments: one jurisdiction (the Celery job), many at once
(set-based, the national recompute), or many over forked processes.

The write protocol: read the generation before the inputs, compute, then inside one
transaction lock the rows in id order, drop any result whose generation moved on (a newer
change queued its own recompute), insert history only where the fingerprint changed, and copy
the figures and the stance onto the jurisdiction.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection, connections, transaction
from django.utils import timezone

from compliance.models import RiskAssessment
from compliance.risk import Assessment, RiskInputs, assess, stance_at
from compliance.selectors.figures import assessment_breakdown, driver_score
from compliance.selectors.inputs import risk_inputs_for, risk_inputs_for_many
from jurisdictions.choices import StanceCode
from jurisdictions.models import Jurisdiction

logger = logging.getLogger(__name__)

# Ids per transaction of the set-based recorder.
RECORD_BATCH_SIZE = 2_000


def risk_fingerprint(*, assessment: Assessment) -> str:
    """sha256 of what an assessment says (method, figures, programs, drivers), not when."""
    a = assessment
    payload = (
        a.method_version, a.exposure_usd, a.max_at_risk_usd, a.funding_at_risk_usd, a.score,
        a.level, a.stance,
        [(p.aln, p.name, p.exposure_usd, p.max_at_risk_usd, p.funding_at_risk_usd,
          p.award_fiscal_year) for p in a.programs],
        [(d.evidence_kind, d.evidence_id, d.contribution_usd,
          driver_score(d.contribution_score), d.sentence) for d in a.drivers],
    )  # fmt: skip
    return hashlib.sha256(repr(payload).encode()).hexdigest()


def _current_stance(inputs: RiskInputs, on: date) -> tuple[str, date | None]:
    """The stance period in force on a date (the engine's rule): its code and start, as
    the recompute copies them onto the jurisdiction and the API reports them."""
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
            programs, drivers = assessment_breakdown(a)
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
            programs, drivers = assessment_breakdown(a)
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
