"""Reads behind the city dashboard and the feeds: one jurisdiction's page, in a fixed number of
queries whatever the number of its statements and actions.

The page shows either the latest recorded assessment or, with ``as_of``, an assessment computed
on request for that date (``compliance.services.risk_assessment_compute``); in both cases the
figures are turned into the same plain dictionaries, so the template has one shape to read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from jurisdictions.choices import StanceCode
from jurisdictions.models import Jurisdiction, Official, PolicyStance
from jurisdictions.selectors import officials_in_office, stance_timeline

from .charts import ProgramBar, RiskPoint
from .models import FederalAction, RiskAssessment, Statement
from .risk.weights import ALL_SANCTUARY_STANCES
from .selectors import risk_assessment_latest, risk_history

REACHED_BY_ALL_SANCTUARY = ALL_SANCTUARY_STANCES


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
class Figures:
    """An assessment as the page shows it, recorded or computed."""

    exposure_usd: int
    max_at_risk_usd: int
    funding_at_risk_usd: int
    score: int
    level: str
    stance: str
    method_version: str
    as_of: date | None
    computed_at: datetime | None
    computed_on_request: bool
    programs: list[dict[str, Any]] = field(default_factory=list)
    drivers: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class CityDashboard:
    """Everything the city dashboard shows."""

    jurisdiction: Jurisdiction
    as_of: date | None
    stance: str
    stances: list[PolicyStance]
    figures: Figures | None
    history: list[RiskAssessment]
    timeline: list[TimelineEntry]
    officials: list[Official]

    @property
    def program_bars(self) -> list[ProgramBar]:
        if self.figures is None:
            return []
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


def stance_code_from(*, stances: Sequence[PolicyStance], on: date) -> str:
    """The stance code in force on a date, read from already-loaded periods."""
    for period in reversed(stances):
        if period.effective_from <= on and (
            period.effective_to is None or period.effective_to >= on
        ):
            return period.code
    return StanceCode.UNKNOWN.value


def _was_reachable_by_all_sanctuary(
    *, stances: Sequence[PolicyStance], start: date, end: date
) -> bool:
    """Whether any sanctuary or partial period overlaps ``[start, end]``."""
    return any(
        period.code in REACHED_BY_ALL_SANCTUARY
        and period.effective_from <= end
        and (period.effective_to is None or period.effective_to >= start)
        for period in stances
    )


def actions_reaching(
    *,
    jurisdiction_id: int,
    stances: Sequence[PolicyStance],
    as_of: date | None = None,
) -> list[FederalAction]:
    """Federal actions that reached a jurisdiction: those listing it as a target, and those
    aimed at every sanctuary jurisdiction issued while (or before a time when) its stance was
    sanctuary or partial, up to ``as_of``. Newest first; programs are prefetched (two queries).
    """
    target_rows = FederalAction.targets.through.objects.filter(jurisdiction_id=jurisdiction_id)
    actions = (
        FederalAction.objects.annotate(
            is_listed=Exists(target_rows.filter(federalaction_id=OuterRef("pk")))
        )
        .filter(Q(is_listed=True) | Q(targets_all_sanctuary=True))
        .prefetch_related("programs")
        .order_by("-issued_on", "-id")
    )
    if as_of is not None:
        actions = actions.filter(issued_on__lte=as_of)
    end = as_of or date.max
    result: list[FederalAction] = []
    for action in actions:
        if not action.is_listed and not _was_reachable_by_all_sanctuary(
            stances=stances, start=action.issued_on, end=end
        ):
            continue
        result.append(action)
    return result


def _figures_from_record(record: RiskAssessment) -> Figures:
    return Figures(
        exposure_usd=record.exposure_usd,
        max_at_risk_usd=record.max_at_risk_usd,
        funding_at_risk_usd=record.funding_at_risk_usd,
        score=record.score,
        level=record.level,
        stance=record.stance,
        method_version=record.method_version,
        as_of=record.as_of,
        computed_at=record.computed_at,
        computed_on_request=False,
        programs=[dict(row) for row in record.programs or [] if isinstance(row, dict)],
        drivers=[dict(row) for row in record.drivers or [] if isinstance(row, dict)],
    )


def _figures_from_assessment(assessment: Any, *, as_of: date) -> Figures:
    return Figures(
        exposure_usd=assessment.exposure_usd,
        max_at_risk_usd=assessment.max_at_risk_usd,
        funding_at_risk_usd=assessment.funding_at_risk_usd,
        score=assessment.score,
        level=assessment.level,
        stance=assessment.stance,
        method_version=assessment.method_version,
        as_of=as_of,
        computed_at=None,
        computed_on_request=True,
        programs=[_as_dict(row) for row in assessment.programs],
        drivers=[_as_dict(row) for row in assessment.drivers],
    )


def _as_dict(row: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(row) and not isinstance(row, type):
        return dataclasses.asdict(row)
    return dict(row)


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
    with ``as_of``, the computation's own fixed number instead of the latest assessment.
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

    figures: Figures | None
    if as_of is None:
        latest = risk_assessment_latest(jurisdiction_id=jurisdiction.pk)
        figures = _figures_from_record(latest) if latest else None
        stance = jurisdiction.stance
    else:
        from .services import risk_assessment_compute

        assessment = risk_assessment_compute(jurisdiction_id=jurisdiction.pk, as_of=as_of)
        figures = _figures_from_assessment(assessment, as_of=as_of)
        stance = stance_code_from(stances=stances, on=as_of)
    if figures is not None:
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
