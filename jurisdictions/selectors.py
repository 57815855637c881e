"""Reads of jurisdictions, their officials and their stance timeline."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import Case, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from compliance.risk import stance_at, stance_since

from .choices import RiskLevel, StanceCode
from .models import RISK_COLUMNS, Jurisdiction, Official, PolicyStance

RISK_LEVELS: tuple[str, ...] = tuple(RiskLevel.values)
# Stored data gaps are comma-separated codes; no other code contains this one.
NO_AWARD_DATA = Q(data_gaps__contains="no_awards")


def stance_timeline(*, jurisdiction_id: int, as_of: date | None = None) -> list[PolicyStance]:
    """The stance periods of a jurisdiction, oldest first; with ``as_of``, only those begun by
    then (the open end of a period that ended later is kept as recorded)."""
    periods = PolicyStance.objects.filter(jurisdiction_id=jurisdiction_id)
    if as_of is not None:
        periods = periods.filter(effective_from__lte=as_of)
    return list(periods.order_by("effective_from"))


def stance_on(*, jurisdiction_id: int, on: date) -> tuple[str, date | None]:
    """The stance in force on a date and when its unbroken run began, by the engine's rules
    (``stance_at``, ``stance_since``); ``unknown`` and None without a stance period."""
    periods = stance_timeline(jurisdiction_id=jurisdiction_id, as_of=on)
    period = stance_at(periods, on)
    if period is None:
        return StanceCode.UNKNOWN.value, None
    return period.code, stance_since(periods, on)


def officials_by_term(
    *, jurisdiction_id: int, on: date | None = None
) -> tuple[list[Official], list[Official]]:
    """A jurisdiction's officials in office on ``on`` (today by default) and the others
    (former, or not yet in office), each newest term first. A term with no end is still
    running; a missing start is read as open on that side."""
    day = on or timezone.localdate()
    current: list[Official] = []
    former: list[Official] = []
    for official in Official.objects.filter(jurisdiction_id=jurisdiction_id).order_by(
        "role", F("term_start").desc(nulls_last=True), "name"
    ):
        (current if official.in_office_on(day) else former).append(official)
    return current, former


def officials_in_office(*, jurisdiction_id: int, on: date | None = None) -> list[Official]:
    """A jurisdiction's officials in office on ``on`` (today by default)."""
    return officials_by_term(jurisdiction_id=jurisdiction_id, on=on)[0]


# --- National ranking (the dashboard and the list read the denormalised risk_* columns) ---

RANKING_ORDERINGS: dict[str, tuple[str, ...]] = {
    "-funding_at_risk_usd": ("-funding_at_risk_usd", "name", "pk"),
    "funding_at_risk_usd": ("funding_at_risk_usd", "name", "pk"),
    "-risk_score": ("-risk_score", "-funding_at_risk_usd", "name", "pk"),
    "risk_score": ("risk_score", "funding_at_risk_usd", "name", "pk"),
    "-population": ("-population", "name", "pk"),
    "population": ("population", "name", "pk"),
    "name": ("name", "state", "pk"),
    "-name": ("-name", "-state", "-pk"),
}
DEFAULT_RANKING_ORDERING = "-funding_at_risk_usd"


def jurisdiction_ranking(
    *,
    state: str = "",
    kind: str = "",
    stance: str = "",
    risk_level: str = "",
    q: str = "",
    ordering: str = DEFAULT_RANKING_ORDERING,
) -> QuerySet[Jurisdiction]:
    """Jurisdictions filtered by the ranking's filters, in the requested order.

    Only the columns a ranking row shows are loaded; empty filters are ignored, and an unknown
    ``ordering`` falls back to funding at risk, largest first. Population sorts put unknown
    populations last. Jurisdictions with no award data come after all the others whatever
    the order: their $0 is not a figure, so it never ranks among the figures.
    """
    rows = jurisdiction_ranking_filter(
        state=state, kind=kind, stance=stance, risk_level=risk_level, q=q
    ).annotate(no_award_data=Case(When(NO_AWARD_DATA, then=Value(1)), default=Value(0)))
    keys = RANKING_ORDERINGS.get(ordering, RANKING_ORDERINGS[DEFAULT_RANKING_ORDERING])
    order_by: list[Any] = ["no_award_data"]
    for key in keys:
        if key.lstrip("-") == "population":
            field = F("population")
            order_by.append(
                field.desc(nulls_last=True) if key.startswith("-") else field.asc(nulls_last=True)
            )
        else:
            order_by.append(key)
    return rows.order_by(*order_by).only(
        "id", "slug", "name", "kind", "state", "population", "population_year", "stance",
        "data_gaps", *RISK_COLUMNS,
    )  # fmt: skip


def jurisdiction_ranking_filter(
    *, state: str = "", kind: str = "", stance: str = "", risk_level: str = "", q: str = ""
) -> QuerySet[Jurisdiction]:
    """The unordered set of jurisdictions matching the ranking's filters."""
    rows = Jurisdiction.objects.all()
    if state:
        rows = rows.filter(state=state.upper())
    if kind:
        rows = rows.filter(kind=kind)
    if stance:
        rows = rows.filter(stance=stance)
    if risk_level:
        rows = rows.filter(risk_level=risk_level)
    if q.strip():
        rows = rows.filter(name__icontains=q.strip())
    return rows


def state_totals(*, rows: QuerySet[Jurisdiction] | None = None) -> dict[str, dict[str, Any]]:
    """Per two-letter state code: ``count``, ``exposure_usd``, ``max_at_risk_usd``,
    ``funding_at_risk_usd``, ``stale`` (how many await a recompute), ``no_award_data`` (how
    many have no grant figure on record) and ``by_level`` ({risk level: count}, every level),
    in one GROUP BY.

    Only states with any jurisdiction in ``rows`` appear. ``totals_combine`` adds them up, so
    a page that shows both a map and totals needs this one query.
    """
    rows = Jurisdiction.objects.all() if rows is None else rows
    aggregates: dict[str, Any] = {
        "count": Count("id"),
        "exposure_usd": Coalesce(Sum("exposure_usd"), 0),
        "max_at_risk_usd": Coalesce(Sum("max_at_risk_usd"), 0),
        "funding_at_risk_usd": Coalesce(Sum("funding_at_risk_usd"), 0),
        "stale": Count("id", filter=Q(risk_stale=True)),
        "no_award_data": Count("id", filter=NO_AWARD_DATA),
    }
    for level in RISK_LEVELS:
        aggregates[f"level_{level}"] = Count("id", filter=Q(risk_level=level))
    result: dict[str, dict[str, Any]] = {}
    for grouped in rows.order_by().values("state").annotate(**aggregates):
        row: dict[str, Any] = dict(grouped)
        state = row.pop("state")
        row["by_level"] = {level: row.pop(f"level_{level}") for level in RISK_LEVELS}
        result[state] = row
    return result


def totals_combine(*, parts: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The sum of several ``state_totals`` rows (e.g. every state's): national totals."""
    combined: dict[str, Any] = {
        "count": 0,
        "exposure_usd": 0,
        "max_at_risk_usd": 0,
        "funding_at_risk_usd": 0,
        "stale": 0,
        "no_award_data": 0,
        "by_level": dict.fromkeys(RISK_LEVELS, 0),
    }
    for part in parts:
        for key in ("count", "exposure_usd", "max_at_risk_usd", "funding_at_risk_usd", "stale",
                    "no_award_data"):  # fmt: skip
            combined[key] += part.get(key, 0)
        for level, count in part.get("by_level", {}).items():
            combined["by_level"][level] = combined["by_level"].get(level, 0) + count
    return combined


def jurisdiction_facets(*, queryset: QuerySet, fields: list[str]) -> dict[str, list[dict]]:
    """Value counts of each field over the filtered rows, most frequent first.

    One query for all the fields: a GROUP BY over their combination, summed per field here.
    At national size that is one scan of the table instead of one per field.
    """
    combos = (
        queryset.order_by()
        .values(*fields)
        .annotate(count=Count("pk"))
        .values_list(*fields, "count")
    )
    counts: dict[str, Counter] = {field: Counter() for field in fields}
    for *values, count in combos:
        for field, value in zip(fields, values, strict=True):
            counts[field][value] += count
    return {
        field: [
            {"value": value, "count": count}
            for value, count in sorted(tally.items(), key=lambda item: (-item[1], str(item[0])))
        ]
        for field, tally in counts.items()
    }
