"""Writing timelines: a jurisdiction's points from a date on, and the national totals kept as
changes (``TimelineTotal``), in the transaction of the recompute that computed them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Q

from compliance.models import TOTAL_COLUMNS, RiskTimelinePoint, TimelineTotal
from compliance.risk import Assessment
from compliance.risk.timeline import TimelinePoint
from compliance.risk.weights import LEVELS

_Key = tuple[date, str, str, str]  # (on, state, kind, stance)


@dataclass(frozen=True, slots=True)
class StoredPoint:
    """What the totals need of a point: where it was counted, and its figures."""

    on: date
    state: str
    kind: str
    stance: str
    vector: tuple[int, ...]


def _vector(
    *, exposure: int, max_at_risk: int, funding: int, level: str, gaps: Sequence[str]
) -> tuple[int, ...]:
    return (
        1, exposure, max_at_risk, funding,
        *(1 if level == name else 0 for name in LEVELS), 1 if "no_awards" in gaps else 0,
    )  # fmt: skip


def stored_point(row: RiskTimelinePoint) -> StoredPoint:
    return StoredPoint(
        row.on, row.state, row.kind, row.stance,
        _vector(exposure=row.exposure_usd, max_at_risk=row.max_at_risk_usd,
                funding=row.funding_at_risk_usd, level=row.level, gaps=row.data_gaps),
    )  # fmt: skip


def _changes(points: Sequence[StoredPoint], before: StoredPoint | None) -> dict[_Key, list[int]]:
    """What a run of points adds to the totals: each point counts from its date under its
    stance, and the point before it stops counting from that date."""
    totals: dict[_Key, list[int]] = defaultdict(lambda: [0] * len(TOTAL_COLUMNS))
    previous = before
    for point in points:
        row = totals[(point.on, point.state, point.kind, point.stance)]
        for index, value in enumerate(point.vector):
            row[index] += value
        if previous is not None:
            row = totals[(point.on, previous.state, previous.kind, previous.stance)]
            for index, value in enumerate(previous.vector):
                row[index] -= value
        previous = point
    return totals


def totals_add(changes: dict[_Key, list[int]]) -> None:
    """Add changes to the national totals (insert, or add to the row), in key order so that
    concurrent recomputes lock rows in one order."""
    rows = [(key, values) for key, values in sorted(changes.items()) if any(values)]
    if not rows:
        return
    table = TimelineTotal._meta.db_table
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in ("on", "state", "kind", "stance", *TOTAL_COLUMNS))
    updates = ", ".join(f"{quote(c)} = {table}.{quote(c)} + excluded.{quote(c)}"
                        for c in TOTAL_COLUMNS)  # fmt: skip
    placeholders = ", ".join(["%s"] * (4 + len(TOTAL_COLUMNS)))
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "
        f"ON CONFLICT ({quote('on')}, state, kind, stance) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(*key, *values) for key, values in rows])


def as_assessment(row: RiskTimelinePoint) -> Assessment:
    """A stored point as the engine's figures (no drivers), to compare with new ones."""
    return Assessment(
        jurisdiction_id=row.jurisdiction_id, as_of=row.on, method_version=row.method_version,
        exposure_usd=row.exposure_usd, max_at_risk_usd=row.max_at_risk_usd,
        funding_at_risk_usd=row.funding_at_risk_usd, score=row.score, level=row.level,
        stance=row.stance, data_gaps=tuple(row.data_gaps),
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class TimelineRewrite:
    """One jurisdiction's new points from ``start`` on; ``old`` are its stored points from
    ``start`` on and ``before`` the stored point just before it (read under the lock)."""

    jurisdiction_id: int
    state: str
    kind: str
    start: date
    points: Sequence[TimelinePoint]
    old: Sequence[RiskTimelinePoint]
    before: RiskTimelinePoint | None


def _point_row(rewrite: TimelineRewrite, point: TimelinePoint) -> RiskTimelinePoint:
    a = point.assessment
    return RiskTimelinePoint(
        jurisdiction_id=rewrite.jurisdiction_id, on=point.on, state=rewrite.state,
        kind=rewrite.kind, method_version=a.method_version, exposure_usd=a.exposure_usd,
        max_at_risk_usd=a.max_at_risk_usd, funding_at_risk_usd=a.funding_at_risk_usd,
        score=a.score, level=a.level, stance=a.stance, data_gaps=list(a.data_gaps),
        events=[{"type": e.type, "id": e.id, "label": e.label} for e in point.events],
    )  # fmt: skip


_DELETE_FROM_SQL = """
DELETE FROM {table} AS t USING unnest(%s::bigint[], %s::date[]) AS s(jurisdiction_id, start)
WHERE t.jurisdiction_id = s.jurisdiction_id AND t.{on} >= s.start
"""


def _points_delete(starts: dict[int, date]) -> None:
    """Delete each jurisdiction's points from its start on (one statement)."""
    if connection.vendor == "postgresql":
        table = RiskTimelinePoint._meta.db_table
        sql = _DELETE_FROM_SQL.format(table=table, on=connection.ops.quote_name("on"))
        with connection.cursor() as cursor:
            cursor.execute(sql, [list(starts), list(starts.values())])
        return
    condition = Q()
    for jurisdiction_id, start in starts.items():
        condition |= Q(jurisdiction_id=jurisdiction_id, on__gte=start)
    RiskTimelinePoint.objects.filter(condition).delete()


def timelines_write(rewrites: Sequence[TimelineRewrite]) -> int:
    """Replace each jurisdiction's points from its start on, and move the national totals by
    the difference: one delete, one insert and one totals upsert for the whole batch. Call
    inside the recompute's transaction, the jurisdictions' rows locked. Returns the number of
    points written."""
    if not rewrites:
        return 0
    new_rows: list[RiskTimelinePoint] = []
    moved: dict[_Key, list[int]] = defaultdict(lambda: [0] * len(TOTAL_COLUMNS))
    for rewrite in rewrites:
        prior = stored_point(rewrite.before) if rewrite.before is not None else None
        rows = [_point_row(rewrite, point) for point in rewrite.points]
        new_rows.extend(rows)
        for sign, points in ((1, rows), (-1, rewrite.old)):
            for key, values in _changes([stored_point(row) for row in points], prior).items():
                total = moved[key]
                for index, value in enumerate(values):
                    total[index] += sign * value
    _points_delete({r.jurisdiction_id: r.start for r in rewrites})
    RiskTimelinePoint.objects.bulk_create(new_rows, batch_size=2_000)
    totals_add(moved)
    return len(new_rows)
