"""The data report: what the records lack, listed for editors (``manage.py data_report`` and
the admin's data report page).

Sections: jurisdictions whose recompute failed; jurisdictions without a stance; jurisdictions
without a figure in scope from a recent fiscal year; approximate figures; status changes
without a date; USAspending recipients that matched no jurisdiction; and how much of the
national exposure rests on approximate figures.

That share is read from each jurisdiction's latest recorded assessment, program by program:
a program row of an assessment is flagged ``approximate`` exactly when a figure its exposure
counts is approximate or an estimate (the engine's rule), so the dollars summed are the dollars
that rest on such figures. The jurisdictions' ``data_gaps`` say only that *some* program of a
jurisdiction is approximate; summing their whole exposure would overstate the share.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Generic, TypeVar

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from compliance.models import FederalActionStatus, RiskAssessment
from grants.choices import FigureKind
from grants.models import GrantAward, GrantAwardShare
from grants.usaspending.selectors import UnmatchedRecipients, usaspending_unmatched_recipients
from jurisdictions.models import Jurisdiction, PolicyStance

# Figures from this federal fiscal year on count as recent.
RECENT_FISCAL_YEAR = 2022

Row = TypeVar("Row")


@dataclass(frozen=True, slots=True)
class Section(Generic[Row]):
    """How many records a section finds, and the first of them."""

    count: int
    rows: list[Row] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class JurisdictionRow:
    id: int
    slug: str
    name: str
    state: str
    kind: str


@dataclass(frozen=True, slots=True)
class GapRow:
    """A jurisdiction without a recent figure, and what the records say of why."""

    id: int
    slug: str
    name: str
    state: str
    kind: str
    note: str


@dataclass(frozen=True, slots=True)
class FailedRow:
    """A jurisdiction whose last recompute failed: it keeps its last figures, marked stale."""

    id: int
    slug: str
    name: str
    state: str
    kind: str
    failures: int
    failed_at: datetime | None
    error: str


@dataclass(frozen=True, slots=True)
class FigureRow:
    id: int
    jurisdiction: str
    jurisdiction_slug: str
    program: str
    aln: str | None
    fiscal_year: int
    amount_usd: int
    figure_kind: str
    approximate: bool
    source_url: str


@dataclass(frozen=True, slots=True)
class StatusRow:
    id: int
    action_id: int
    action: str
    action_issued_on: date
    status: str


@dataclass(frozen=True, slots=True)
class ApproximateExposure:
    """National exposure (sum of the latest assessments) and the part of it that rests on
    approximate figures."""

    exposure_usd: int
    approximate_usd: int
    jurisdictions_assessed: int
    jurisdictions_with_approximate: int
    jurisdictions_stale: int

    @property
    def share(self) -> float | None:
        """approximate / exposure, None when there is no exposure."""
        return self.approximate_usd / self.exposure_usd if self.exposure_usd else None


@dataclass(frozen=True, slots=True)
class DataReport:
    since_fiscal_year: int
    failed_recomputes: Section[FailedRow]
    without_stance: Section[JurisdictionRow]
    without_recent_figure: Section[GapRow]
    approximate_figures: Section[FigureRow]
    undated_statuses: Section[StatusRow]
    unmatched_recipients: UnmatchedRecipients
    approximate_exposure: ApproximateExposure


def _section(queryset: QuerySet, limit: int | None, row: Callable[..., Row]) -> Section[Row]:
    rows = queryset if limit is None else queryset[:limit]
    return Section(count=queryset.count(), rows=[row(*values) for values in rows])


def jurisdictions_recompute_failed() -> QuerySet[Jurisdiction]:
    """Jurisdictions whose last recompute failed (the sweep retries them with backoff)."""
    return Jurisdiction.objects.filter(risk_failures__gt=0).order_by("-risk_failed_at", "pk")


def jurisdictions_without_stance() -> QuerySet[Jurisdiction]:
    """Jurisdictions with no stance period on record at all."""
    return Jurisdiction.objects.filter(
        ~Exists(PolicyStance.objects.filter(jurisdiction=OuterRef("pk")))
    ).order_by("state", "name")


def jurisdictions_without_recent_figure(*, since_fiscal_year: int) -> QuerySet[Jurisdiction]:
    """Jurisdictions with no figure in scope from ``since_fiscal_year`` on: no award,
    allocation or estimate of a program (budget lines never count), of their own or as a
    member with a published share of a joint award."""
    own = GrantAward.objects.filter(
        jurisdiction=OuterRef("pk"), fiscal_year__gte=since_fiscal_year, program__isnull=False
    ).exclude(figure_kind=FigureKind.BUDGET)
    shared = GrantAwardShare.objects.filter(
        jurisdiction=OuterRef("pk"),
        amount_usd__isnull=False,
        award__fiscal_year__gte=since_fiscal_year,
        award__program__isnull=False,
    ).exclude(award__figure_kind=FigureKind.BUDGET)
    return Jurisdiction.objects.filter(~Exists(own), ~Exists(shared)).order_by("state", "name")


def grant_awards_approximate() -> QuerySet[GrantAward]:
    """Figures their source rounds or estimates: flagged approximate, or of kind estimate."""
    return GrantAward.objects.filter(
        Q(approximate=True) | Q(figure_kind=FigureKind.ESTIMATE)
    ).order_by("jurisdiction__state", "jurisdiction__name", "-fiscal_year", "program_label")


def federal_action_statuses_undated() -> QuerySet[FederalActionStatus]:
    """Status changes with no date: none of their own and no recorded cause to take it from.
    (The database refuses new ones; this finds any that predate that rule.)"""
    return FederalActionStatus.objects.filter(
        effective_from__isnull=True, caused_by__isnull=True
    ).order_by("action__issued_on", "action_id", "id")


def exposure_on_approximate_figures() -> ApproximateExposure:
    """Sum, over every jurisdiction's latest recorded assessment, the exposure and the
    exposure of the program rows flagged approximate. Jurisdictions never assessed add
    nothing; stale ones count with their last figures (``jurisdictions_stale`` says how many).
    """
    latest = (
        RiskAssessment.objects.filter(jurisdiction=OuterRef("pk"))
        .order_by("-computed_at", "-id")
        .values("pk")[:1]
    )
    latest_ids = Jurisdiction.objects.annotate(latest=Subquery(latest)).filter(latest__isnull=False)
    rows = RiskAssessment.objects.filter(pk__in=latest_ids.values("latest")).values_list(
        "exposure_usd", "programs", "jurisdiction__risk_stale"
    )
    exposure = approximate = assessed = flagged = stale = 0
    for total, programs, is_stale in rows.iterator(chunk_size=2_000):
        assessed += 1
        stale += bool(is_stale)
        exposure += total
        resting = sum(
            int(row.get("exposure_usd") or 0)
            for row in programs or ()
            if isinstance(row, dict) and row.get("approximate")
        )
        approximate += resting
        flagged += resting > 0
    return ApproximateExposure(
        exposure_usd=exposure,
        approximate_usd=approximate,
        jurisdictions_assessed=assessed,
        jurisdictions_with_approximate=flagged,
        jurisdictions_stale=stale,
    )


def data_report_read(
    *, since_fiscal_year: int = RECENT_FISCAL_YEAR, limit: int | None = 100
) -> DataReport:
    """Every section of the report; each lists its first ``limit`` rows (all with None) and
    counts them all."""
    jurisdiction_columns = ("pk", "slug", "name", "state", "kind")
    return DataReport(
        since_fiscal_year=since_fiscal_year,
        failed_recomputes=_section(
            jurisdictions_recompute_failed().values_list(
                *jurisdiction_columns, "risk_failures", "risk_failed_at", "risk_error"
            ),
            limit,
            FailedRow,
        ),
        without_stance=_section(
            jurisdictions_without_stance().values_list(*jurisdiction_columns),
            limit,
            JurisdictionRow,
        ),
        without_recent_figure=_section(
            jurisdictions_without_recent_figure(since_fiscal_year=since_fiscal_year).values_list(
                *jurisdiction_columns, "figures_note"
            ),
            limit,
            GapRow,
        ),
        approximate_figures=_section(
            grant_awards_approximate().values_list(
                "pk",
                "jurisdiction__name",
                "jurisdiction__slug",
                "program_label",
                "program__aln",
                "fiscal_year",
                "amount_usd",
                "figure_kind",
                "approximate",
                "source_url",
            ),
            limit,
            FigureRow,
        ),
        undated_statuses=_section(
            federal_action_statuses_undated().values_list(
                "pk", "action_id", "action__title", "action__issued_on", "status"
            ),
            limit,
            StatusRow,
        ),
        unmatched_recipients=usaspending_unmatched_recipients(limit=limit),
        approximate_exposure=exposure_on_approximate_figures(),
    )
