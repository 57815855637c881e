"""Reads of the timelines: one jurisdiction's (its stored points, with the first of every month
filled in from the step they fall on), the national totals by date, and what changed between
two dates."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone

from compliance.models import (
    TOTAL_COLUMNS,
    FederalAction,
    FederalActionStatus,
    RiskTimelinePoint,
    TimelineTotal,
)
from compliance.risk import Assessment
from compliance.risk.timeline import month_starts
from compliance.risk.weights import LEVELS

from .figures import assessment_breakdown, risk_assessment_compute

POINT_FIELDS = (
    "exposure_usd", "max_at_risk_usd", "funding_at_risk_usd", "risk_score", "risk_level",
    "stance", "data_gaps",
)  # fmt: skip


def _point(row: RiskTimelinePoint, on: date, events: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "date": on,
        "exposure_usd": row.exposure_usd,
        "max_at_risk_usd": row.max_at_risk_usd,
        "funding_at_risk_usd": row.funding_at_risk_usd,
        "risk_score": row.score,
        "risk_level": row.level,
        "stance": row.stance,
        "data_gaps": list(row.data_gaps),
        "events": events,
    }


def _expanded(
    rows: list[RiskTimelinePoint], start: date | None, end: date
) -> Iterator[dict[str, Any]]:
    """Every stored point, and the first of every month between them carrying the point in
    force (the figures hold until the next point), from ``start`` to ``end``; with ``start``,
    the range opens with the point in force that day."""
    for index, row in enumerate(rows):
        following = rows[index + 1].on if index + 1 < len(rows) else None
        if start is not None and row.on < start:
            if following != start:
                yield _point(row, start, [])
        elif row.on <= end:
            yield _point(row, row.on, list(row.events))
        last = min(end, following) if following else end
        for day in month_starts(row.on, last):
            if day == row.on or day == following or (start and day <= start):
                continue
            yield _point(row, day, [])


def jurisdiction_timeline(
    *, jurisdiction_id: int, start: date | None = None, end: date | None = None
) -> list[dict[str, Any]]:
    """A jurisdiction's timeline from ``start`` to ``end`` (default: from its first point to
    today), oldest first: every stored point and the first of every month (one query)."""
    end = end or timezone.localdate()
    rows = list(
        RiskTimelinePoint.objects.filter(jurisdiction_id=jurisdiction_id, on__lte=end).order_by(
            "on"
        )
    )
    if start is not None:  # keep the point in force on ``start`` to fill the months after it
        earlier = [row for row in rows if row.on < start]
        rows = [*earlier[-1:], *(row for row in rows if row.on >= start)]
    return list(_expanded(rows, start, end))


def jurisdiction_timeline_steps(
    *, jurisdiction_id: int, end: date | None = None
) -> list[dict[str, Any]]:
    """A jurisdiction's stored points up to ``end`` (default today), oldest first: the dates
    where its figures changed or something happened, without the monthly points between
    (one query, no model instances)."""
    rows = RiskTimelinePoint.objects.filter(
        jurisdiction_id=jurisdiction_id, on__lte=end or timezone.localdate()
    ).order_by("on")
    return [
        {
            "date": row["on"], "exposure_usd": row["exposure_usd"],
            "max_at_risk_usd": row["max_at_risk_usd"],
            "funding_at_risk_usd": row["funding_at_risk_usd"], "risk_score": row["score"],
            "risk_level": row["level"], "stance": row["stance"],
            "data_gaps": list(row["data_gaps"]), "events": list(row["events"]),
        }
        for row in rows.values(
            "on", "exposure_usd", "max_at_risk_usd", "funding_at_risk_usd", "score", "level",
            "stance", "data_gaps", "events",
        )
    ]  # fmt: skip


def _national_events(start: date | None, end: date) -> dict[date, list[dict[str, Any]]]:
    """Federal actions issued and their status changes, by date: the national events."""
    events: dict[date, list[dict[str, Any]]] = {}
    actions = FederalAction.objects.filter(issued_on__lte=end)
    if start is not None:
        actions = actions.filter(issued_on__gte=start)
    for pk, on, title in actions.values_list("pk", "issued_on", "title"):
        events.setdefault(on, []).append({"type": "action", "id": pk, "label": title})
    changes = FederalActionStatus.objects.select_related("caused_by", "action")
    for change in changes:
        changed_on = change.on
        if changed_on is None or changed_on > end or (start is not None and changed_on < start):
            continue
        label = f"{change.action.title}: {change.get_status_display().lower()}"
        events.setdefault(changed_on, []).append(
            {"type": "status", "id": change.action_id, "label": label}
        )
    return events


def national_timeline(
    *,
    state: Iterable[str] = (),
    kind: Iterable[str] = (),
    stance: Iterable[str] = (),
    start: date | None = None,
    end: date | None = None,
) -> list[dict[str, Any]]:
    """National totals by date (sums of the jurisdictions' timelines; ``stance`` selects the
    jurisdictions whose stance was one of those on each date), on the first of every month and
    on every date of a federal action or status change, oldest first. One query for the
    totals, two for the events."""
    end = end or timezone.localdate()
    condition = Q(on__lte=end)
    for name, values in (("state", state), ("kind", kind), ("stance", stance)):
        values = list(values)
        if values:
            condition &= Q(**{f"{name}__in": values})
    changes = (
        TimelineTotal.objects.filter(condition)
        .values("on")
        .annotate(**{column: Sum(column) for column in TOTAL_COLUMNS})
        .order_by("on")
    )
    events = _national_events(start, end)
    running = dict.fromkeys(TOTAL_COLUMNS, 0)
    by_date: list[tuple[date, dict[str, int]]] = []
    for row in changes:
        sums: dict[str, Any] = dict(row)
        for column in TOTAL_COLUMNS:
            running[column] += sums[column] or 0
        by_date.append((sums["on"], dict(running)))
    if not by_date:
        return []
    first = by_date[0][0] if start is None else max(start, by_date[0][0])
    wanted = sorted({*month_starts(first, end), *(d for d in events if d >= first)})
    points = []
    index, current = -1, dict.fromkeys(TOTAL_COLUMNS, 0)
    for day in wanted:
        while index + 1 < len(by_date) and by_date[index + 1][0] <= day:
            index += 1
            current = by_date[index][1]
        points.append(
            {
                "date": day,
                "jurisdictions": current["jurisdictions"],
                "exposure_usd": current["exposure_usd"],
                "max_at_risk_usd": current["max_at_risk_usd"],
                "funding_at_risk_usd": current["funding_at_risk_usd"],
                "by_level": {level: current[f"level_{level}"] for level in LEVELS},
                "no_award_data": current["no_awards"],
                "events": events.get(day, []),
            }
        )
    return points


@dataclass(frozen=True, slots=True)
class DriverChange:
    """One driver between two dates: appeared, disappeared or changed, with both
    contributions."""

    evidence_kind: str
    evidence_id: int
    label: str
    change: str  # appeared, disappeared, changed
    from_usd: int
    to_usd: int
    from_score: float
    to_score: float
    sentence: str

    @property
    def change_usd(self) -> int:
        return self.to_usd - self.from_usd


def risk_changes(
    *, jurisdiction_id: int, start: date, end: date
) -> tuple[Assessment, Assessment, list[DriverChange]]:
    """The assessments on two dates and every driver that appeared, disappeared or changed
    between them, the largest change in dollars first (then in score)."""
    before = risk_assessment_compute(jurisdiction_id=jurisdiction_id, as_of=start)
    after = risk_assessment_compute(jurisdiction_id=jurisdiction_id, as_of=end)
    old = {(d["evidence_kind"], d["evidence_id"]): d for d in assessment_breakdown(before)[1]}
    new = {(d["evidence_kind"], d["evidence_id"]): d for d in assessment_breakdown(after)[1]}
    found = []
    for key in {*old, *new}:
        was, now = old.get(key), new.get(key)
        if (
            was
            and now
            and (was["contribution_usd"], was["contribution_score"])
            == (now["contribution_usd"], now["contribution_score"])
        ):
            continue
        latest = now or was
        assert latest is not None
        found.append(
            DriverChange(
                evidence_kind=key[0],
                evidence_id=key[1],
                label=latest["label"],
                change="appeared" if was is None else "disappeared" if now is None else "changed",
                from_usd=was["contribution_usd"] if was else 0,
                to_usd=now["contribution_usd"] if now else 0,
                from_score=was["contribution_score"] if was else 0.0,
                to_score=now["contribution_score"] if now else 0.0,
                sentence=latest["sentence"],
            )
        )
    found.sort(
        key=lambda c: (
            -abs(c.change_usd),
            -abs(c.to_score - c.from_score),
            c.evidence_kind,
            c.evidence_id,
        )
    )
    return before, after, found
