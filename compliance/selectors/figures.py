"""Assessments as figures: the ONE shape of a recorded or freshly computed assessment, used by
the API, the dashboard and the CSV, and the JSON form in which a recorded one is stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from compliance.models import RiskAssessment
from compliance.risk import Assessment, assess

from .inputs import risk_inputs_for

# Decimals kept of a driver's score contribution, in storage and on every surface.
SCORE_DECIMALS = 6


def driver_score(value: float) -> float:
    """A driver's score contribution as stored and shown (six decimals)."""
    return round(float(value), SCORE_DECIMALS)


def assessment_breakdown(assessment: Assessment) -> tuple[list[dict], list[dict]]:
    """The per-program rows and the drivers of an engine result, as plain JSON-ready dicts:
    the form stored on ``RiskAssessment`` and served by every surface."""
    programs = [
        {"aln": p.aln, "name": p.name, "exposure_usd": p.exposure_usd,
         "max_at_risk_usd": p.max_at_risk_usd, "funding_at_risk_usd": p.funding_at_risk_usd,
         "award_fiscal_year": p.award_fiscal_year, "figure_kind": p.figure_kind,
         "approximate": p.approximate}
        for p in assessment.programs
    ]  # fmt: skip
    drivers = [
        {"evidence_kind": d.evidence_kind, "evidence_id": d.evidence_id,
         "on": d.on.isoformat() if d.on else None, "role": d.role, "label": d.label,
         "contribution_usd": d.contribution_usd,
         "contribution_score": driver_score(d.contribution_score), "sentence": d.sentence}
        for d in assessment.drivers
    ]  # fmt: skip
    return programs, drivers


@dataclass(slots=True)
class AssessmentFigures:
    """An assessment as every surface shows it, recorded or computed on request.

    ``computed_at`` is when a recorded assessment was computed; None when the figures were
    computed on request (for a past date, or because nothing is recorded yet).
    """

    exposure_usd: int
    max_at_risk_usd: int
    funding_at_risk_usd: int
    score: int
    level: str
    stance: str
    method_version: str
    as_of: date
    computed_at: datetime | None
    programs: list[dict[str, Any]] = field(default_factory=list)
    drivers: list[dict[str, Any]] = field(default_factory=list)
    data_gaps: list[str] = field(default_factory=list)

    @property
    def computed_on_request(self) -> bool:
        return self.computed_at is None


def figures_from_record(record: RiskAssessment) -> AssessmentFigures:
    return AssessmentFigures(
        exposure_usd=record.exposure_usd,
        max_at_risk_usd=record.max_at_risk_usd,
        funding_at_risk_usd=record.funding_at_risk_usd,
        score=record.score,
        level=record.level,
        stance=record.stance,
        method_version=record.method_version,
        as_of=record.as_of,
        computed_at=record.computed_at,
        programs=[dict(row) for row in record.programs or [] if isinstance(row, dict)],
        drivers=[dict(row) for row in record.drivers or [] if isinstance(row, dict)],
        data_gaps=list(record.data_gaps or []),
    )


def figures_from_assessment(assessment: Assessment) -> AssessmentFigures:
    programs, drivers = assessment_breakdown(assessment)
    return AssessmentFigures(
        exposure_usd=assessment.exposure_usd,
        max_at_risk_usd=assessment.max_at_risk_usd,
        funding_at_risk_usd=assessment.funding_at_risk_usd,
        score=assessment.score,
        level=assessment.level,
        stance=assessment.stance,
        method_version=assessment.method_version,
        as_of=assessment.as_of,
        computed_at=None,
        programs=programs,
        drivers=drivers,
        data_gaps=list(assessment.data_gaps),
    )


def risk_assessment_compute(*, jurisdiction_id: int, as_of: date) -> Assessment:
    """The assessment of one jurisdiction as of a date, computed and not stored.

    Raises ``Jurisdiction.DoesNotExist`` for an unknown id.
    """
    return assess(risk_inputs_for(jurisdiction_id=jurisdiction_id, as_of=as_of), as_of=as_of)


def risk_history(*, jurisdiction_id: int) -> QuerySet[RiskAssessment]:
    """A jurisdiction's recorded assessments, oldest first."""
    return RiskAssessment.objects.filter(jurisdiction_id=jurisdiction_id).order_by(
        "computed_at", "id"
    )


def risk_assessment_latest(*, jurisdiction_id: int) -> RiskAssessment | None:
    """The most recent recorded assessment of a jurisdiction, or None."""
    return (
        RiskAssessment.objects.filter(jurisdiction_id=jurisdiction_id)
        .order_by("-computed_at", "-id")
        .first()
    )


def jurisdiction_figures(*, jurisdiction_id: int, as_of: date | None = None) -> AssessmentFigures:
    """The figures every surface shows for a jurisdiction: the latest recorded assessment, or
    with ``as_of`` (or when none is recorded yet) one computed on request for that date
    (today by default)."""
    if as_of is None:
        latest = risk_assessment_latest(jurisdiction_id=jurisdiction_id)
        if latest is not None:
            return figures_from_record(latest)
        as_of = timezone.localdate()
    return figures_from_assessment(
        risk_assessment_compute(jurisdiction_id=jurisdiction_id, as_of=as_of)
    )
