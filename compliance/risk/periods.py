"""Dates and periods, pure: the federal fiscal year, when a figure became public, an action's
status on a date, and the one rule for the stance in force on a date and since when.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import TypeVar

from .types import (
    ActionFact,
    AwardFact,
    Period,
    StatusChange,
)

_ONE_DAY = timedelta(days=1)

P = TypeVar("P", bound=Period)


def federal_fiscal_year(day: date) -> int:
    """The US federal fiscal year of a date: FY N runs from 1 October N-1 to 30 September N."""
    return day.year + 1 if day.month >= 10 else day.year


def end_of_fiscal_year(fiscal_year: int) -> date:
    """The last day of a federal fiscal year (30 September)."""
    return date(fiscal_year, 9, 30)


def public_on(award: AwardFact) -> date:
    """When a figure became public: its publication date or, when that is unknown, the end of
    its fiscal year (the latest date by which a year's award is normally on record)."""
    return award.published_on or end_of_fiscal_year(award.fiscal_year)


def status_on(action: ActionFact, as_of: date) -> StatusChange:
    """An action's status on a date: in effect from its own date, then its latest recorded
    change on or before ``as_of``."""
    current = StatusChange(action.issued_on, "in_effect")
    for change in action.statuses:
        if change.on > as_of:
            break
        current = change
    return current


def stance_at(periods: Iterable[P], as_of: date) -> P | None:
    """The period in force on ``as_of`` (both ends inclusive); the latest start wins.

    The one rule for "stance on a date": the engine applies it to its facts, and the other
    layers to stance rows (anything with ``id``, ``code``, ``effective_from`` and
    ``effective_to``).
    """
    best = None
    for period in periods:
        if period.effective_from > as_of:
            continue
        if period.effective_to is not None and period.effective_to < as_of:
            continue
        if best is None or (period.effective_from, period.id, period.code) > (
            best.effective_from,
            best.id,
            best.code,
        ):
            best = period
    return best


def stance_since(periods: Sequence[P], as_of: date) -> date | None:
    """When the stance in force on ``as_of`` began: the start of its unbroken run (periods of
    the same code that follow one another day by day count as one), or None with no stance.
    The one rule for "sanctuary since": the drivers, the pages and the API all use it."""
    period = stance_at(periods, as_of)
    if period is None:
        return None
    since = period.effective_from
    while True:
        earlier = stance_at(periods, since - _ONE_DAY)
        if earlier is None or earlier.code != period.code or earlier.effective_from >= since:
            return since
        since = earlier.effective_from
