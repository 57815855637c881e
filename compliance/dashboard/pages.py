"""Reads behind the city dashboard and the feeds: one jurisdiction's page, in a fixed number of
queries whatever the number of its statements and actions.

The figures are the shared shape of ``compliance.selectors.figures`` (the latest recorded
assessment or, with ``as_of``, one computed on request), the same the API serves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone

from compliance.dashboard.charts import Marker, ProgramBar, StepPoint
from compliance.models import FederalAction, RiskAssessment, Statement
from compliance.risk import stance_at, stance_since
from compliance.selectors.figures import AssessmentFigures, jurisdiction_figures, risk_history
from compliance.selectors.reach import actions_reaching
from compliance.selectors.timeline import (
    DriverChange,
    jurisdiction_timeline_steps,
    risk_changes,
)
from jurisdictions.choices import StanceCode
from jurisdictions.models import Jurisdiction, Official, PolicyStance
from jurisdictions.selectors import officials_by_term, stance_timeline

# The Why section's groups, in the order shown (the last one collapsed).
DRIVER_GROUPS = (
    ("raises", "Raises the figure"),
    ("protects", "Protects"),
    ("none", "No effect on this date"),
)


@dataclass(frozen=True, slots=True)
class StatusShown:
    """One dated change of an action's status, as the page lists it."""

    on: date
    precision: str
    status: str
    cause: FederalAction | None
    source_url: str


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """A dated statement or federal action on the page's one timeline; an action carries its
    status on the page's date and its dated changes up to then."""

    kind: str  # "statement" or "action"
    on: date
    record: Statement | FederalAction
    status: str = ""
    statuses: tuple[StatusShown, ...] = ()

    @property
    def anchor(self) -> str:
        return f"{self.kind}-{self.record.pk}"


def _action_entry(action: FederalAction, day: date) -> TimelineEntry:
    """An action with its status on ``day`` and its changes up to it, oldest first."""
    shown = sorted(
        (
            StatusShown(
                on=change.on,
                precision=change.date_precision
                or (change.caused_by.date_precision if change.caused_by else ""),
                status=change.status, cause=change.caused_by, source_url=change.source,
            )
            for change in action.status_changes.all()
            if change.on is not None and change.on <= day
        ),
        key=lambda item: item.on,
    )  # fmt: skip
    status = shown[-1].status if shown else "in_effect"
    return TimelineEntry("action", action.issued_on, action, status, tuple(shown))


@dataclass(frozen=True, slots=True)
class DriverGroup:
    """Drivers with one role on the date, the largest contribution first."""

    role: str
    title: str
    drivers: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Comparison:
    """What changed between two dates: both figures and the drivers that moved."""

    start: Any
    end: Any
    drivers: list[DriverChange]


@dataclass(slots=True)
class CityDashboard:
    """Everything the city dashboard shows."""

    jurisdiction: Jurisdiction
    as_of: date | None
    stance: str
    stance_since: date | None
    stances: list[PolicyStance]
    figures: AssessmentFigures
    history: list[RiskAssessment]
    timeline: list[TimelineEntry]
    officials: list[Official]
    former_officials: list[Official]
    points: list[dict[str, Any]]
    comparison: Comparison | None = None

    @property
    def no_award_data(self) -> bool:
        return "no_awards" in self.figures.data_gaps

    @property
    def driver_groups(self) -> list[DriverGroup]:
        return driver_groups(self.figures.drivers)

    @property
    def chart_points(self) -> list[dict[str, Any]]:
        """The points the chart draws: from the first with money on record (the years before
        it are listed in the table, and the caption says from when)."""
        return points_from_first_money(self.points)

    @property
    def step_points(self) -> list[StepPoint]:
        return step_points(self.chart_points)

    @property
    def markers(self) -> list[Marker]:
        anchors = {entry.anchor for entry in self.timeline}
        found = []
        for point in self.chart_points:
            for event in point["events"]:
                found.append(
                    Marker(
                        on=point["date"],
                        label=event["label"],
                        href=_event_href(event, anchors),
                        kind=event["type"],
                    )
                )
        return found

    @property
    def program_bars(self) -> list[ProgramBar]:
        bars = [
            ProgramBar(
                label=_program_label(row),
                exposure_usd=int(row.get("exposure_usd", 0)),
                max_at_risk_usd=int(row.get("max_at_risk_usd", 0)),
                funding_at_risk_usd=int(row.get("funding_at_risk_usd", 0)),
            )
            for row in self.figures.programs
        ]
        # Largest funding at risk (then exposure) first, so the chart reads top-down.
        return sorted(bars, key=lambda bar: (-bar.funding_at_risk_usd, -bar.exposure_usd))


def _event_href(event: dict[str, Any], anchors: set[str]) -> str:
    """Where a timeline event's record is shown: its entry on this page, else its record."""
    kind, pk = event.get("type"), event.get("id")
    if kind == "statement" and f"statement-{pk}" in anchors:
        return f"#statement-{pk}"
    if kind in ("action", "status") and f"action-{pk}" in anchors:
        return f"#action-{pk}"
    if kind == "stance":
        return f"#stance-{pk}"
    if kind == "award":
        return "#programs"
    return ""


def _role(driver: dict[str, Any]) -> str:
    """A driver's role; records of methods before roles were stored read it from the sign."""
    role = driver.get("role")
    if role in ("raises", "protects", "none"):
        return str(role)
    usd = driver.get("contribution_usd") or 0
    return "raises" if usd > 0 else "protects" if usd < 0 else "none"


def _by_size(driver: dict[str, Any]) -> tuple[int, float]:
    return (
        -abs(driver.get("contribution_usd") or 0),
        -abs(driver.get("contribution_score") or 0.0),
    )


def driver_groups(drivers: Iterable[dict[str, Any]]) -> list[DriverGroup]:
    """The drivers by role (raises, protects, no effect), each group ordered by the size of
    the contribution, in dollars then in score points; empty groups are left out."""
    grouped: dict[str, list[dict[str, Any]]] = {role: [] for role, _ in DRIVER_GROUPS}
    for driver in drivers:
        grouped[_role(driver)].append(driver)
    return [
        DriverGroup(
            role=role,
            title=title,
            drivers=sorted(
                grouped[role],
                key=lambda d: (
                    -abs(d.get("contribution_usd") or 0),
                    -abs(d.get("contribution_score") or 0.0),
                ),
            ),
        )
        for role, title in DRIVER_GROUPS
        if grouped[role]
    ]


_NOT_FIGURES = ("date", "events")


def step_points(points: Iterable[dict[str, Any]]) -> list[StepPoint]:
    """Timeline points (a jurisdiction's or the national sums) as the step chart draws them."""
    return [
        StepPoint(
            on=point["date"],
            funding_at_risk_usd=point["funding_at_risk_usd"],
            max_at_risk_usd=point["max_at_risk_usd"],
            no_award_data="no_awards" in point.get("data_gaps", ()),
        )
        for point in points
    ]


def points_from_first_money(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The points from the first one with exposure (all of them when none has any)."""
    for index, point in enumerate(points):
        if point["exposure_usd"] > 0:
            return points[index:]
    return points


def points_as_steps(points: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The points where the figures change or something happened (the monthly points between
    them repeat the step they fall on)."""
    kept: list[dict[str, Any]] = []
    for point in points:
        previous = kept[-1] if kept else None
        same = previous is not None and all(
            previous[name] == value for name, value in point.items() if name not in _NOT_FIGURES
        )
        if not same or point["events"]:
            kept.append(point)
    return kept


def _program_label(row: dict[str, Any]) -> str:
    aln, name = row.get("aln", ""), row.get("name", "")
    return f"{aln} {name}".strip() or "Program"


def _link_drivers(
    drivers: Iterable[dict[str, Any]],
    *,
    timeline: Sequence[TimelineEntry],
    stances: Sequence[PolicyStance],
) -> None:
    """Give each driver the address of its evidence: an anchor on this page when the record
    is shown here, otherwise the record's source."""
    on_page = {entry.anchor: entry.record for entry in timeline}
    stance_ids = {period.pk: period for period in stances}
    for driver in drivers:
        kind, evidence_id = driver.get("evidence_kind"), driver.get("evidence_id")
        href = ""
        if kind == "statement" and f"statement-{evidence_id}" in on_page:
            href = f"#statement-{evidence_id}"
        elif kind in ("action", "injunction") and f"action-{evidence_id}" in on_page:
            href = f"#action-{evidence_id}"
        elif kind == "stance" and evidence_id in stance_ids:
            href = f"#stance-{evidence_id}"
        elif kind == "award":
            href = "#programs"
        driver["href"] = href


def city_dashboard(
    *,
    jurisdiction: Jurisdiction,
    as_of: date | None = None,
    compare: tuple[date, date] | None = None,
) -> CityDashboard:
    """The city dashboard of a jurisdiction, now or as of a date; with ``compare``, what
    changed between two dates.

    Queries: stances, officials, statements, actions (+ programs), history, latest assessment,
    timeline; with ``as_of`` (or nothing recorded yet), the computation's own fixed number
    instead of the latest assessment, and with ``compare`` two computations more.
    """
    stances = stance_timeline(jurisdiction_id=jurisdiction.pk, as_of=as_of)
    officials, former = officials_by_term(
        jurisdiction_id=jurisdiction.pk, on=as_of or timezone.localdate()
    )
    statements = Statement.objects.filter(jurisdiction_id=jurisdiction.pk).select_related(
        "official"
    )
    if as_of is not None:
        statements = statements.filter(said_on__lte=as_of)
    timeline = [TimelineEntry("statement", s.said_on, s) for s in statements]
    day = as_of or timezone.localdate()
    timeline += [
        _action_entry(action, day)
        for action in actions_reaching(
            jurisdiction_id=jurisdiction.pk, stances=stances, as_of=as_of
        )
    ]
    timeline.sort(key=lambda entry: (entry.on, entry.kind, entry.record.pk), reverse=True)

    history_rows = risk_history(jurisdiction_id=jurisdiction.pk).defer("programs", "drivers")
    if as_of is not None:
        history_rows = history_rows.filter(computed_at__date__lte=as_of)
    history = list(history_rows)

    figures = jurisdiction_figures(jurisdiction_id=jurisdiction.pk, as_of=as_of)
    if as_of is None:
        stance, since = jurisdiction.stance, jurisdiction.stance_since
    else:
        period = stance_at(stances, as_of)
        stance = period.code if period else StanceCode.UNKNOWN
        since = stance_since(stances, as_of)
    _link_drivers(figures.drivers, timeline=timeline, stances=stances)
    comparison = None
    if compare is not None:
        before, after, moved = risk_changes(
            jurisdiction_id=jurisdiction.pk, start=compare[0], end=compare[1]
        )
        comparison = Comparison(start=before, end=after, drivers=moved)
    return CityDashboard(
        jurisdiction=jurisdiction,
        as_of=as_of,
        stance=stance,
        stance_since=since,
        stances=stances,
        figures=figures,
        history=history,
        timeline=timeline,
        officials=officials,
        former_officials=former,
        points=points_as_steps(
            jurisdiction_timeline_steps(jurisdiction_id=jurisdiction.pk, end=as_of)
        ),
        comparison=comparison,
    )


def statements_feed_items(
    *, jurisdiction_id: int | None = None, limit: int = 50
) -> list[Statement]:
    """The newest statements (by when they were recorded), overall or for one jurisdiction."""
    rows = Statement.objects.select_related("jurisdiction")
    if jurisdiction_id is not None:
        rows = rows.filter(jurisdiction_id=jurisdiction_id)
    return list(rows.order_by("-created_at", "-id")[:limit])


def actions_feed_items(
    *, jurisdiction_id: int | None = None, limit: int = 50
) -> list[FederalAction]:
    """The newest federal actions (by when they were recorded), overall or those reaching one
    jurisdiction."""
    if jurisdiction_id is None:
        return list(
            FederalAction.objects.prefetch_related("programs").order_by("-created_at", "-id")[
                :limit
            ]
        )
    stances = stance_timeline(jurisdiction_id=jurisdiction_id)
    reached = actions_reaching(jurisdiction_id=jurisdiction_id, stances=stances)
    reached.sort(key=lambda action: (action.created_at, action.pk), reverse=True)
    return reached[:limit]
