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

from compliance.models import FederalAction, RiskAssessment, Statement
from compliance.risk import stance_at
from compliance.selectors.figures import AssessmentFigures, jurisdiction_figures, risk_history
from compliance.selectors.reach import actions_reaching
from jurisdictions.choices import StanceCode
from jurisdictions.models import Jurisdiction, Official, PolicyStance
from jurisdictions.selectors import officials_in_office, stance_timeline

from .charts import ProgramBar, RiskPoint


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """A dated statement or federal action on the page's one timeline."""

    kind: str  # "statement" or "action"
    on: date
    record: Statement | FederalAction

    @property
    def anchor(self) -> str:
        return f"{self.kind}-{self.record.pk}"


@dataclass(slots=True)
class CityDashboard:
    """Everything the city dashboard shows."""

    jurisdiction: Jurisdiction
    as_of: date | None
    stance: str
    stances: list[PolicyStance]
    figures: AssessmentFigures
    history: list[RiskAssessment]
    timeline: list[TimelineEntry]
    officials: list[Official]

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

    @property
    def risk_points(self) -> list[RiskPoint]:
        return [
            RiskPoint(
                on=row.computed_at.date(),
                funding_at_risk_usd=row.funding_at_risk_usd,
                score=row.score,
            )
            for row in self.history
        ]


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


def city_dashboard(*, jurisdiction: Jurisdiction, as_of: date | None = None) -> CityDashboard:
    """The city dashboard of a jurisdiction, now or as of a date.

    Queries: stances, officials, statements, actions (+ programs), history, latest assessment;
    with ``as_of`` (or nothing recorded yet), the computation's own fixed number instead.
    """
    stances = stance_timeline(jurisdiction_id=jurisdiction.pk, as_of=as_of)
    officials = list(
        officials_in_office(jurisdiction_id=jurisdiction.pk, on=as_of or timezone.localdate())
    )
    statements = Statement.objects.filter(jurisdiction_id=jurisdiction.pk).select_related(
        "official"
    )
    if as_of is not None:
        statements = statements.filter(said_on__lte=as_of)
    timeline = [TimelineEntry("statement", s.said_on, s) for s in statements]
    timeline += [
        TimelineEntry("action", a.issued_on, a)
        for a in actions_reaching(jurisdiction_id=jurisdiction.pk, stances=stances, as_of=as_of)
    ]
    timeline.sort(key=lambda entry: (entry.on, entry.kind, entry.record.pk), reverse=True)

    history_rows = risk_history(jurisdiction_id=jurisdiction.pk).defer("programs", "drivers")
    if as_of is not None:
        history_rows = history_rows.filter(computed_at__date__lte=as_of)
    history = list(history_rows)

    figures = jurisdiction_figures(jurisdiction_id=jurisdiction.pk, as_of=as_of)
    if as_of is None:
        stance = jurisdiction.stance
    else:
        period = stance_at(stances, as_of)
        stance = period.code if period else StanceCode.UNKNOWN
    _link_drivers(figures.drivers, timeline=timeline, stances=stances)
    return CityDashboard(
        jurisdiction=jurisdiction,
        as_of=as_of,
        stance=stance,
        stances=stances,
        figures=figures,
        history=history,
        timeline=timeline,
        officials=officials,
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
