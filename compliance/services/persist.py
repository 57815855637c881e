"""Persisting computed results: the figures on the jurisdiction, the assessment history and
the timeline, all in one transaction per batch, under the generation protocol."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction

from compliance.models import RiskAssessment, RiskTimelinePoint
from compliance.risk import Assessment
from compliance.risk.timeline import TimelinePoint
from compliance.selectors.figures import assessment_breakdown
from jurisdictions.models import Jurisdiction

from .alerts import FiguresChange, figures_events_write
from .timeline import TimelineRewrite, timelines_write


@dataclass(frozen=True, slots=True)
class Computed:
    """One jurisdiction's result, ready to persist: the figures as of today, the generation
    its inputs were read at, and, when its timeline was stale, the points from ``timeline_from``
    on."""

    jurisdiction_id: int
    generation: int
    assessment: Assessment
    fingerprint: str
    stance: str
    stance_since: date | None
    timeline_from: date | None = None
    timeline: tuple[TimelinePoint, ...] = ()


def gaps_text(gaps: Sequence[str]) -> str:
    """Data gaps as the jurisdiction stores them: comma-separated codes."""
    return ",".join(gaps)


_UPDATE_SQL = """
UPDATE jurisdictions_jurisdiction AS j SET
    exposure_usd = v.exposure_usd,
    max_at_risk_usd = v.max_at_risk_usd,
    funding_at_risk_usd = v.funding_at_risk_usd,
    risk_score = v.risk_score,
    risk_level = v.risk_level,
    data_gaps = v.data_gaps,
    risk_computed_at = %s,
    stance = v.stance,
    stance_since = v.stance_since,
    risk_stale = false,
    risk_stale_since = NULL,
    risk_failures = 0,
    risk_failed_at = NULL,
    risk_error = '',
    timeline_stale_from = CASE WHEN v.timeline_done THEN NULL ELSE j.timeline_stale_from END
FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[],
            %s::int[], %s::varchar[], %s::varchar[], %s::varchar[], %s::date[], %s::bool[])
     AS v(id, generation, exposure_usd, max_at_risk_usd, funding_at_risk_usd, risk_score,
          risk_level, data_gaps, stance, stance_since, timeline_done),
     jurisdictions_jurisdiction AS old
WHERE j.id = v.id
  AND old.id = v.id
  AND j.risk_generation = v.generation
  AND (j.risk_stale OR v.timeline_done
       OR (j.exposure_usd, j.max_at_risk_usd, j.funding_at_risk_usd, j.risk_score, j.risk_level,
           j.data_gaps, j.stance, j.stance_since)
          IS DISTINCT FROM
          (v.exposure_usd, v.max_at_risk_usd, v.funding_at_risk_usd, v.risk_score,
           v.risk_level, v.data_gaps, v.stance, v.stance_since))
RETURNING j.id, old.funding_at_risk_usd, j.funding_at_risk_usd, old.risk_level, j.risk_level,
          old.stance, j.stance, old.risk_computed_at
"""
_LOCK_SQL = (
    "SELECT id, risk_generation, state, kind FROM jurisdictions_jurisdiction "
    "WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE"
)
_LATEST_SQL = """
SELECT DISTINCT ON (jurisdiction_id) jurisdiction_id, fingerprint
FROM compliance_riskassessment WHERE jurisdiction_id = ANY(%s)
ORDER BY jurisdiction_id, computed_at DESC, id DESC
"""


def fingerprints_latest(jurisdiction_ids: Sequence[int]) -> dict[int, str]:
    """The fingerprint of each jurisdiction's latest assessment (one query)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_LATEST_SQL, [list(jurisdiction_ids)])
            return dict(cursor.fetchall())
    found: dict[int, str] = {}
    rows = RiskAssessment.objects.filter(jurisdiction_id__in=list(jurisdiction_ids))
    for pk, fingerprint in rows.order_by("computed_at", "id").values_list(
        "jurisdiction_id", "fingerprint"
    ):
        found[pk] = fingerprint  # the latest wins
    return found


def persist(
    results: Sequence[Computed], *, computed_at: datetime
) -> tuple[dict[int, Any], dict[int, RiskAssessment]]:
    """Write one batch: lock the rows in pk order, insert history rows whose fingerprint changed,
    rewrite the stale timelines, copy the figures onto the jurisdictions and clear their stale
    flags. A result computed from inputs that changed since its generation was read is dropped
    whole (no figures, no history, no points): the change that bumped the generation queued its
    own recompute, and a late, older result must never overwrite a newer one. A fresh row whose
    figures did not change is not rewritten (its ``risk_computed_at`` stays at the last write).

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
        locked = {pk: (generation, state, kind) for pk, generation, state, kind in cursor}
        results = [
            r for r in results if (locked.get(r.jurisdiction_id) or (None,))[0] == r.generation
        ]
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
            latest = fingerprints_latest([r.jurisdiction_id for r in results])
        changed = [r for r in results if latest.get(r.jurisdiction_id) != r.fingerprint]
        written = _history_insert(changed, computed_at=computed_at)
        _timelines_write(results, {pk: value[1:] for pk, value in locked.items()})
        columns: list[list[Any]] = [[] for _ in range(11)]
        for r in results:
            a = r.assessment
            values = (
                r.jurisdiction_id, r.generation, a.exposure_usd, a.max_at_risk_usd,
                a.funding_at_risk_usd, a.score, a.level, gaps_text(a.data_gaps), r.stance,
                r.stance_since, r.timeline_from is not None,
            )  # fmt: skip
            for column, value in zip(columns, values, strict=True):
                column.append(value)
        if results:
            cursor.execute(_UPDATE_SQL, [computed_at, *columns])
            figures_events_write(
                changes=[FiguresChange(*row) for row in cursor.fetchall()], at=computed_at
            )
    return written, unchanged


def _persist_portable(
    results: Sequence[Computed], *, computed_at: datetime
) -> tuple[dict[int, Any], dict[int, RiskAssessment]]:
    """The same writes, row by row, for the embedded SQLite development database."""
    written: dict[int, Any] = {}
    unchanged: dict[int, RiskAssessment] = {}
    changes: list[FiguresChange] = []
    with transaction.atomic():
        for r in sorted(results, key=lambda r: r.jurisdiction_id):
            locked = Jurisdiction.objects.select_for_update().filter(
                pk=r.jurisdiction_id, risk_generation=r.generation
            )
            stored = locked.values_list(
                "state", "kind", "funding_at_risk_usd", "risk_level", "stance",
                "risk_computed_at",
            ).first()  # fmt: skip
            if stored is None:  # deleted, or changed since its inputs were read
                continue
            where = stored[:2]
            old_funding, old_level, old_stance, old_at = stored[2:]
            latest = (
                RiskAssessment.objects.filter(jurisdiction_id=r.jurisdiction_id)
                .order_by("-computed_at", "-id")
                .first()
            )
            if latest is not None and latest.fingerprint == r.fingerprint:
                unchanged[r.jurisdiction_id] = latest
            else:
                written.update(_history_insert([r], computed_at=computed_at))
            _timelines_write([r], {r.jurisdiction_id: where})
            a = r.assessment
            fields = {
                "exposure_usd": a.exposure_usd, "max_at_risk_usd": a.max_at_risk_usd,
                "funding_at_risk_usd": a.funding_at_risk_usd, "risk_score": a.score,
                "risk_level": a.level, "data_gaps": gaps_text(a.data_gaps),
                "risk_computed_at": computed_at, "stance": r.stance,
                "stance_since": r.stance_since, "risk_stale": False, "risk_stale_since": None,
                "risk_failures": 0, "risk_failed_at": None, "risk_error": "",
            }  # fmt: skip
            if r.timeline_from is not None:
                fields["timeline_stale_from"] = None
            locked.update(**fields)
            if (old_funding, old_level, old_stance) != (a.funding_at_risk_usd, a.level, r.stance):
                changes.append(FiguresChange(
                    r.jurisdiction_id, old_funding, a.funding_at_risk_usd, old_level, a.level,
                    old_stance, r.stance, old_at,
                ))  # fmt: skip
        figures_events_write(changes=changes, at=computed_at)
    return written, unchanged


def timeline_points_around(
    starts: dict[int, date],
) -> tuple[dict[int, list[RiskTimelinePoint]], dict[int, RiskTimelinePoint]]:
    """For each jurisdiction and date: its stored points from that date on, and its stored
    point just before it."""
    if not starts:
        return {}, {}
    old: dict[int, list[RiskTimelinePoint]] = defaultdict(list)
    before: dict[int, RiskTimelinePoint] = {}
    rows = RiskTimelinePoint.objects.filter(jurisdiction_id__in=list(starts)).order_by(
        "jurisdiction_id", "on"
    )
    for row in rows:
        if row.on < starts[row.jurisdiction_id]:
            before[row.jurisdiction_id] = row  # the last one before the start wins
        else:
            old[row.jurisdiction_id].append(row)
    return old, before


def _timelines_write(results: Sequence[Computed], where: dict[int, tuple[str, str]]) -> None:
    """Rewrite the timelines of the results that carry one, from their start on (the stored
    points are re-read here, under the lock, so the totals move by the truth)."""
    starts = {r.jurisdiction_id: r.timeline_from for r in results if r.timeline_from is not None}
    old, before = timeline_points_around(starts)  # type: ignore[arg-type]
    timelines_write([
        TimelineRewrite(
            jurisdiction_id=r.jurisdiction_id, state=where[r.jurisdiction_id][0],
            kind=where[r.jurisdiction_id][1], start=r.timeline_from, points=r.timeline,
            old=old.get(r.jurisdiction_id, ()), before=before.get(r.jurisdiction_id),
        )
        for r in results
        if r.timeline_from is not None
    ])  # fmt: skip


HISTORY_COLUMNS = (
    "jurisdiction_id", "computed_at", "as_of", "method_version", "exposure_usd",
    "max_at_risk_usd", "funding_at_risk_usd", "score", "level", "stance", "programs", "drivers",
    "data_gaps", "fingerprint",
)  # fmt: skip


def _history_insert(changed: Sequence[Computed], *, computed_at: datetime) -> dict[int, Any]:
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
                    data_gaps=list(a.data_gaps),
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
                dumps(programs), dumps(drivers), dumps(list(a.data_gaps)), r.fingerprint,
            ))  # fmt: skip
    return dict.fromkeys((r.jurisdiction_id for r in changed), True)
