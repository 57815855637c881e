"""A jurisdiction's timeline: its figures on every date an input changes and on the first of
every month between, from its earliest record to a given day. Pure: the same engine, the same
facts, many dates.

Each point equals ``assess(inputs, as_of=point.on)`` without the drivers, so "the figure as of
D" and "the timeline at D" can never disagree. Points whose figures, gaps and stance equal the
previous point's and that carry no event are left out (the figure holds): readers expand the
month starts back from the step function.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from . import weights as w
from .engine import Frame, figures, frame
from .periods import public_on, stance_at, status_on
from .reach import reaches
from .types import Assessment, AwardFact, RiskInputs


@dataclass(frozen=True, slots=True)
class Event:
    """Something that changed on a date: a statement, an action, a status change, a stance
    period beginning or ending, a figure becoming usable, a fiscal year beginning."""

    type: str  # statement, action, status, stance, award, fiscal_year
    id: int
    label: str


@dataclass(frozen=True, slots=True)
class TimelinePoint:
    """The figures on one date, and what changed that day."""

    on: date
    assessment: Assessment
    events: tuple[Event, ...] = ()


def month_starts(first: date, last: date) -> Iterator[date]:
    """The first day of every month from ``first``'s month (its first day if ``first`` is one)
    to ``last``."""
    day = first if first.day == 1 else date(first.year + first.month // 12, first.month % 12 + 1, 1)
    while day <= last:
        yield day
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)


def usable_on(award: AwardFact) -> date:
    """The first day a figure can count: public, and its fiscal year begun (1 October)."""
    return max(public_on(award), date(award.fiscal_year - 1, 10, 1))


def figure_usable_on(*, fiscal_year: int, published_on: date | None) -> date:
    """:func:`usable_on` for a stored figure's fiscal year and publication date."""
    return usable_on(AwardFact(0, "", fiscal_year, 0, published_on=published_on))


def _stance_on(inputs: RiskInputs, day: date) -> str:
    period = stance_at(inputs.stances, day)
    return period.code if period is not None else w.BASELINE_STANCE


def timeline_events(inputs: RiskInputs, *, last: date) -> dict[date, list[Event]]:
    """Every dated change of a jurisdiction's inputs up to ``last``, by date.

    Actions and their status changes count on the dates they reach the jurisdiction (listed,
    or for every sanctuary jurisdiction and its stance then sanctuary or partial, or
    protection for all).
    """
    events: dict[date, list[Event]] = defaultdict(list)
    for statement in inputs.statements:
        label = f"{statement.position.capitalize()} statement"
        events[statement.said_on].append(Event("statement", statement.id, label))
    for period in inputs.stances:
        events[period.effective_from].append(
            Event("stance", period.id, f"Stance {period.code} begins")
        )
        if period.effective_to is not None:
            events[period.effective_to + timedelta(days=1)].append(
                Event("stance", period.id, f"Stance {period.code} ends")
            )
    for award in inputs.awards:
        if award.kind == "budget":
            continue
        label = f"{award.aln} FY{award.fiscal_year} {award.kind} on record"
        events[usable_on(award)].append(Event("award", award.id, label))
    for action in inputs.actions:
        dates = [(action.issued_on, action.title or action.kind, "action")]
        dates += [
            (change.on, f"{action.title or action.kind}: {change.status.replace('_', ' ')}",
             "status")
            for change in action.statuses
        ]  # fmt: skip
        for day, label, kind in dates:
            status = status_on(action, day)
            if reaches(
                effect=action.effect,
                targets_all_sanctuary=action.targets_all_sanctuary and not status.listed_only,
                listed=action.targets_jurisdiction,
                stance=_stance_on(inputs, day),
            ) or (kind == "status" and action.targets_jurisdiction):
                events[day].append(Event(kind, action.id, label))
    return {day: found for day, found in events.items() if day <= last}


def earliest_record(inputs: RiskInputs) -> date | None:
    """The first date any record of the jurisdiction bears on its figures, or None."""
    days = [
        *(p.effective_from for p in inputs.stances),
        *(s.said_on for s in inputs.statements),
        *(a.issued_on for a in inputs.actions if a.targets_jurisdiction),
        *(usable_on(a) for a in inputs.awards if a.kind != "budget"),
    ]
    return min(days) if days else None


def timeline_dates(
    inputs: RiskInputs, *, start: date | None, last: date
) -> tuple[list[date], dict[date, list[Event]]]:
    """The dates of the timeline from ``start`` (default: the earliest record) to ``last``:
    every event date, every 1 October and the first of every month between."""
    first = earliest_record(inputs)
    if first is None or first > last:
        return [], {}
    if start is not None and start > first:
        first = start
    events = timeline_events(inputs, last=last)
    days = {day for day in events if day >= first}
    days.update(month_starts(first, last))
    return sorted(days), events


def _same_figures(left: Assessment, right: Assessment) -> bool:
    return (
        left.exposure_usd, left.max_at_risk_usd, left.funding_at_risk_usd, left.score,
        left.level, left.stance, left.data_gaps,
    ) == (
        right.exposure_usd, right.max_at_risk_usd, right.funding_at_risk_usd, right.score,
        right.level, right.stance, right.data_gaps,
    )  # fmt: skip


def timeline(
    inputs: RiskInputs,
    *,
    last: date,
    start: date | None = None,
    before: Assessment | None = None,
) -> list[TimelinePoint]:
    """The stored points of a jurisdiction's timeline from ``start`` to ``last``: every date of
    :func:`timeline_dates` whose figures differ from the previous date's, or that has events.

    Each point equals ``assess(inputs, as_of=day, explain=False)``. Between two dated changes
    only the statements' decay moves the figures, so the engine's frame is computed once per
    change (and per fiscal year, when money is on record) and the dates inside it cost only
    the decay; with no statement on record, nothing moves inside a frame at all. ``before`` is
    the point in force just before ``start`` (when the timeline is recomputed from a date on),
    so the first point is left out only if it truly repeats it.
    """
    days, events = timeline_dates(inputs, start=start, last=last)
    if not days:
        return []
    has_money = any(award.kind != "budget" for award in inputs.awards)
    points: list[TimelinePoint] = []
    previous = before
    current: Frame | None = None
    for day in days:
        happened = tuple(events.get(day, ()))
        turn = has_money and day.month == 10 and day.day == 1
        if current is None or happened or turn:
            current = frame(inputs, as_of=day)
        elif not current.statements and previous is not None:
            continue  # nothing moves inside this frame: the same figures as the last point
        result = figures(inputs, current, as_of=day)
        if happened or previous is None or not _same_figures(result, previous):
            points.append(TimelinePoint(day, result, happened))
        previous = result
    return points


def point_on(points: Iterable[TimelinePoint], day: date) -> TimelinePoint | None:
    """The point in force on ``day`` (the latest on or before it), or None."""
    found = None
    for point in points:
        if point.on > day:
            break
        found = point
    return found
