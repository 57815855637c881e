"""Computing and recording assessments and timelines: one jurisdiction (the Celery job), many
at once (set-based, the national recompute), or many over forked processes.

The write protocol: read the generation (and the date the timeline is stale from) before the
inputs, compute, then ``persist`` locks the rows in id order, drops any result whose
generation moved on (a newer change queued its own recompute), inserts history only where the
fingerprint changed, rewrites stale timelines, and copies the figures and the stance onto the
jurisdiction.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial

from django.db import DatabaseError, InterfaceError, OperationalError, connection, connections
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from compliance.models import RiskAssessment, RiskTimelinePoint
from compliance.risk import Assessment, RiskInputs, assess, stance_at, stance_since
from compliance.risk.timeline import TimelinePoint, timeline
from compliance.selectors.figures import driver_score
from compliance.selectors.inputs import risk_inputs_for_many
from jurisdictions.choices import StanceCode
from jurisdictions.models import Jurisdiction

from .persist import Computed, persist
from .timeline import as_assessment

logger = logging.getLogger(__name__)

# Ids per transaction of the set-based recorder.
RECORD_BATCH_SIZE = 2_000


def risk_fingerprint(*, assessment: Assessment) -> str:
    """sha256 of what an assessment says (method, figures, programs, drivers, gaps), not when."""
    a = assessment
    payload = (
        a.method_version, a.exposure_usd, a.max_at_risk_usd, a.funding_at_risk_usd, a.score,
        a.level, a.stance, a.data_gaps,
        [(p.aln, p.name, p.exposure_usd, p.max_at_risk_usd, p.funding_at_risk_usd,
          p.award_fiscal_year, p.figure_kind, p.approximate) for p in a.programs],
        [(d.evidence_kind, d.evidence_id, d.contribution_usd,
          driver_score(d.contribution_score), d.sentence, d.label, d.role) for d in a.drivers],
    )  # fmt: skip
    return hashlib.sha256(repr(payload).encode()).hexdigest()


def _current_stance(inputs: RiskInputs, on: date) -> tuple[str, date | None]:
    """The stance in force on a date and the start of its unbroken run (the engine's rules),
    as the recompute copies them onto the jurisdiction and the API reports them."""
    period = stance_at(inputs.stances, on)
    if period is None:
        return StanceCode.UNKNOWN.value, None
    return period.code, stance_since(inputs.stances, on)


@dataclass(slots=True)
class RecordSummary:
    """What a set-based recompute did."""

    computed: int = 0
    history_rows: int = 0
    timelines: int = 0
    seconds: float = 0.0
    failed: int = 0


# Errors of the database connection itself: the whole job waits and retries (an outage), where
# any other error is one jurisdiction's and stops only that one.
OUTAGE_ERRORS = (OperationalError, InterfaceError)


def risk_failure_record(*, jurisdiction_id: int, error: BaseException) -> None:
    """Log a jurisdiction whose recompute failed as a defect and note it on the row (the data
    report lists it; the sweep retries it with backoff). It stays stale: its figures are those
    of its last successful recompute, and the pages say they are out of date."""
    logger.error(
        "Recompute of jurisdiction %s failed; it stays stale and is retried later",
        jurisdiction_id,
        exc_info=error,
    )
    message = f"{type(error).__name__}: {error}"[:500]
    Jurisdiction.objects.filter(pk=jurisdiction_id).update(
        risk_failures=F("risk_failures") + 1,
        risk_failed_at=timezone.now(),
        risk_error=message,
        risk_stale=True,
        risk_stale_since=Coalesce(F("risk_stale_since"), Value(timezone.now())),
    )


def risk_assessments_record_each(*, jurisdiction_ids: Sequence[int]) -> list[int]:
    """Recompute each jurisdiction on its own (the Celery job): one that fails is logged and
    noted, and the others are recomputed all the same. A database outage stops the whole list
    (the job retries it). Returns the ids that failed."""
    failed: list[int] = []
    for jurisdiction_id in jurisdiction_ids:
        try:
            risk_assessment_record(jurisdiction_id=jurisdiction_id)
        except OUTAGE_ERRORS:
            raise
        except Exception as error:
            risk_failure_record(jurisdiction_id=jurisdiction_id, error=error)
            failed.append(jurisdiction_id)
    return failed


def _compute(
    inputs: RiskInputs,
    generation: int,
    as_of: date,
    *,
    timeline_from: date | None = None,
    before: RiskTimelinePoint | None = None,
) -> Computed:
    """The figures as of ``as_of`` and, when ``timeline_from`` is given, the timeline points
    from that date to ``as_of`` (``before``: the stored point just before it)."""
    assessment = assess(inputs, as_of=as_of)
    stance, since = _current_stance(inputs, as_of)
    points: tuple[TimelinePoint, ...] = ()
    if timeline_from is not None:
        points = tuple(
            timeline(
                inputs,
                last=as_of,
                start=timeline_from,
                before=as_assessment(before) if before is not None else None,
            )
        )
    return Computed(
        jurisdiction_id=inputs.jurisdiction_id,
        generation=generation,
        assessment=assessment,
        fingerprint=risk_fingerprint(assessment=assessment),
        stance=stance,
        stance_since=since,
        timeline_from=timeline_from,
        timeline=points,
    )


def _points_before(starts: dict[int, date]) -> dict[int, RiskTimelinePoint]:
    """The stored point just before each jurisdiction's start (one query)."""
    if not starts:
        return {}
    found: dict[int, RiskTimelinePoint] = {}
    rows = RiskTimelinePoint.objects.filter(jurisdiction_id__in=list(starts)).order_by(
        "jurisdiction_id", "on"
    )
    for row in rows.only(
        "jurisdiction_id", "on", "method_version", "exposure_usd", "max_at_risk_usd",
        "funding_at_risk_usd", "score", "level", "stance", "data_gaps",
    ):  # fmt: skip
        if row.on < starts[row.jurisdiction_id]:
            found[row.jurisdiction_id] = row
    return found


def risk_assessment_record(*, jurisdiction_id: int) -> RiskAssessment | None:
    """Recompute one jurisdiction as of today (and its timeline from the date it is stale
    from) and persist the result; idempotent.

    Reads ``risk_generation`` before the inputs; a change saved during the computation bumps
    it, and the stale result is then dropped (the change queued its own recompute). Writes a
    history row only when the result differs from the latest. Returns the latest history row
    (new or unchanged), or None for an unknown jurisdiction or a result overtaken by a change.
    """
    seen = (
        Jurisdiction.objects.filter(pk=jurisdiction_id)
        .values_list("risk_generation", "timeline_stale_from")
        .first()
    )
    if seen is None:
        logger.info("Jurisdiction %s no longer exists; nothing to recompute", jurisdiction_id)
        return None
    generation, timeline_from = seen
    as_of = timezone.localdate()
    # A stale timeline needs every award on record; the current figures alone need fewer.
    inputs = risk_inputs_for_many(
        jurisdiction_ids=[jurisdiction_id], as_of=None if timeline_from else as_of
    ).get(jurisdiction_id)
    if inputs is None:
        logger.info("Jurisdiction %s was deleted during its recompute", jurisdiction_id)
        return None
    before = _points_before({jurisdiction_id: timeline_from} if timeline_from else {})
    computed = _compute(
        inputs, generation, as_of, timeline_from=timeline_from, before=before.get(jurisdiction_id)
    )
    written, unchanged = persist([computed], computed_at=timezone.now())
    return written.get(jurisdiction_id) or unchanged.get(jurisdiction_id)


def risk_assessments_record_many(
    *,
    jurisdiction_ids: Sequence[int] | None = None,
    batch_size: int = RECORD_BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> RecordSummary:
    """Recompute many jurisdictions (all when ``jurisdiction_ids`` is None), set-based, with
    the timelines of those whose timeline is stale.

    One read of the generations, one set-based read of the current inputs (and one of every
    award year for the stale timelines), the engine in memory, then one transaction per
    ``batch_size`` jurisdictions. ``progress`` is called with the number of jurisdictions done
    in each batch.
    """
    started = time.perf_counter()
    as_of = timezone.localdate()
    rows = Jurisdiction.objects.order_by("pk")
    if jurisdiction_ids is not None:
        rows = rows.filter(pk__in=list(jurisdiction_ids))
    seen = {
        pk: (generation, stale_from)
        for pk, generation, stale_from in rows.values_list(
            "pk", "risk_generation", "timeline_stale_from"
        )
    }
    scope = None if jurisdiction_ids is None else list(seen)
    all_inputs = risk_inputs_for_many(jurisdiction_ids=scope, as_of=as_of)
    starts = {pk: stale_from for pk, (_, stale_from) in seen.items() if stale_from is not None}
    summary = RecordSummary()
    computed_at = timezone.now()
    pending: list[Computed] = []

    failures: dict[int, BaseException] = {}

    def flush(done: int) -> None:
        try:
            written = persist(pending, computed_at=computed_at)[0]
        except OUTAGE_ERRORS:
            raise
        except DatabaseError:
            # One result the database refuses must not cost the others: write them one by one.
            written = {}
            for result in pending:
                try:
                    written.update(persist([result], computed_at=computed_at)[0])
                except OUTAGE_ERRORS:
                    raise
                except DatabaseError as error:
                    failures[result.jurisdiction_id] = error
        stored = [r for r in pending if r.jurisdiction_id not in failures]
        summary.history_rows += len(written)
        summary.computed += len(stored)
        summary.timelines += sum(1 for r in stored if r.timeline_from is not None)
        if progress:
            progress(done)
        pending.clear()

    def compute_one(pk: int, make: Callable[[], Computed]) -> None:
        try:
            pending.append(make())
        except OUTAGE_ERRORS:
            raise
        except Exception as error:
            failures[pk] = error

    ids = sorted(pk for pk in all_inputs if pk in seen)
    for offset in range(0, len(ids), batch_size):
        chunk = ids[offset : offset + batch_size]
        stale = [pk for pk in chunk if pk in starts]
        full = risk_inputs_for_many(jurisdiction_ids=stale, as_of=None) if stale else {}
        before = _points_before({pk: starts[pk] for pk in stale})
        for pk in chunk:
            inputs = all_inputs.pop(pk)
            if pk in full:
                compute_one(pk, partial(
                    _compute, full[pk], seen[pk][0], as_of, timeline_from=starts[pk],
                    before=before.get(pk),
                ))  # fmt: skip
            else:
                compute_one(pk, partial(_compute, inputs, seen[pk][0], as_of))
        flush(len(chunk))
    for pk, error in failures.items():
        risk_failure_record(jurisdiction_id=pk, error=error)
    summary.failed = len(failures)
    summary.seconds = time.perf_counter() - started
    return summary


def _record_part(jurisdiction_ids: list[int]) -> tuple[int, int, int, int]:
    """One forked process's share of a parallel recompute, on its own connection."""
    try:
        part = risk_assessments_record_many(jurisdiction_ids=jurisdiction_ids)
        return part.computed, part.history_rows, part.timelines, part.failed
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
        for computed, history_rows, timelines, failed in pool.imap_unordered(_record_part, parts):
            summary.computed += computed
            summary.history_rows += history_rows
            summary.timelines += timelines
            summary.failed += failed
            if progress:
                progress(computed + failed)
    summary.seconds = time.perf_counter() - started
    return summary


def risk_refresh_all() -> RecordSummary:
    """The daily refresh: every jurisdiction's figures as of today, and its timeline extended
    to today (a new month or fiscal year adds a point). Figures move with the calendar even
    when no record changes (statements lose weight, fiscal years turn)."""
    today = timezone.localdate()
    Jurisdiction.objects.update(
        timeline_stale_from=Least(Coalesce(F("timeline_stale_from"), Value(today)), Value(today))
    )
    return risk_assessments_record_many()
