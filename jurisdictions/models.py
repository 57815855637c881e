"""States, counties and cities; their officials; and their sanctuary-policy stance over time."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from compliance.core.validators import CleanTextMixin, any_date, http_url, past_date

from .choices import (
    DatePrecision,
    JurisdictionKind,
    OfficialRole,
    RiskLevel,
    StanceBasis,
    StanceCode,
)

FIPS_LENGTH = {
    JurisdictionKind.STATE: 2,
    JurisdictionKind.COUNTY: 5,
    JurisdictionKind.CITY: 7,
}
# A consolidated city-county carries its place GEOID, or its county GEOID where the Census
# has no place record for the consolidated government.
CONSOLIDATED_FIPS_LENGTHS = (5, 7)
# The denormalised copy of the latest assessment (see ``Jurisdiction``), in the order the API
# lists them; the recompute writes them together with the stance.
RISK_COLUMNS = (
    "exposure_usd",
    "max_at_risk_usd",
    "funding_at_risk_usd",
    "risk_score",
    "risk_level",
    "data_gaps",
    "risk_computed_at",
    "risk_stale",
)
# The recompute pipeline's own bookkeeping (stale-marking protocol).
PIPELINE_COLUMNS = (
    "risk_generation", "risk_stale_since", "timeline_stale_from", "risk_failures",
    "risk_failed_at", "risk_error",
)  # fmt: skip

slug_validator = RegexValidator(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", "Lowercase words joined by hyphens.")
fips_validator = RegexValidator(r"^(\d{2}|\d{5}|\d{7})$", "A Census GEOID of 2, 5 or 7 digits.")
ocd_validator = RegexValidator(
    r"^ocd-division/country:us(/[a-z_]+:[a-z0-9_.~-]+)*$", "An Open Civic Data division id."
)


class Jurisdiction(CleanTextMixin, models.Model):
    """A state, county, city or consolidated city-county, with its current risk figures.

    The ``RISK_COLUMNS`` and the current ``stance`` are a denormalised copy of the latest
    assessment, written only by the compliance recompute, so the ranking and the list read them
    without joins.
    """

    slug = models.SlugField(max_length=120, validators=[slug_validator], db_index=False)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=JurisdictionKind.choices)
    state = models.CharField(max_length=2, help_text="Two-letter USPS code of the state.")
    fips = models.CharField(
        "Census GEOID",
        max_length=7,
        validators=[fips_validator],
        help_text="2 digits for a state, 5 for a county, 7 for a place.",
    )
    county_fips = models.CharField(
        "county GEOID",
        max_length=5,
        blank=True,
        help_text="For a consolidated city-county, the county's 5-digit GEOID.",
    )
    ocd_id = models.CharField("Open Civic Data id", max_length=200, validators=[ocd_validator])
    parent = models.ForeignKey(
        to="jurisdictions.Jurisdiction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    uei = models.CharField(
        "SAM.gov Unique Entity IDs",
        max_length=200,
        blank=True,
        help_text="The government's Unique Entity ID(s), separated by ';', for matching "
        "USAspending recipients.",
    )
    population = models.PositiveIntegerField(null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(null=True, blank=True)
    notes = models.TextField(blank=True)
    figures_note = models.TextField(
        blank=True,
        help_text="Why no recent grant figure is on record: what was searched and what came "
        "closest (the data report shows it).",
    )
    source_url = models.URLField(max_length=1000, blank=True, validators=[http_url])

    # Current stance: the period in force today, copied by the recompute (compliance).
    stance = models.CharField(max_length=16, choices=StanceCode.choices, default=StanceCode.UNKNOWN)
    stance_since = models.DateField(null=True, blank=True)

    # Denormalised current risk (see the class docstring).
    exposure_usd = models.BigIntegerField(default=0)
    max_at_risk_usd = models.BigIntegerField(default=0)
    funding_at_risk_usd = models.BigIntegerField(default=0)
    risk_score = models.PositiveSmallIntegerField(default=0)
    risk_level = models.CharField(
        max_length=16,
        choices=RiskLevel.choices,
        default=RiskLevel.NONE,
    )
    data_gaps = models.CharField(
        max_length=200,
        blank=True,
        default="",
        help_text="What the current figures lack, as comma-separated codes (empty: nothing).",
    )
    risk_computed_at = models.DateTimeField(null=True, blank=True)
    risk_stale = models.BooleanField(default=True)
    risk_generation = models.BigIntegerField(
        default=0, help_text="Bumped by every change that affects risk (the recompute protocol)."
    )
    risk_stale_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the figures first went stale; the sweep re-queues old stale rows.",
    )
    timeline_stale_from = models.DateField(
        null=True,
        blank=True,
        help_text="The earliest date from which the timeline must be recomputed; empty when "
        "it is current.",
    )
    risk_failures = models.PositiveIntegerField(
        default=0,
        help_text="Recomputes of this jurisdiction that failed in a row; a success resets it.",
    )
    risk_failed_at = models.DateTimeField(null=True, blank=True)
    risk_error = models.CharField(
        max_length=500, blank=True, default="", help_text="Why the last recompute failed."
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The derived columns (risk, stance) are not history: the assessments record them.
    history = HistoricalRecords(
        excluded_fields=[*RISK_COLUMNS, *PIPELINE_COLUMNS, "stance", "stance_since", "updated_at"]
    )

    class Meta:
        ordering = ("name", "state")
        verbose_name = "jurisdiction"
        # Few indexes on purpose: a national recompute rewrites the risk columns of every row,
        # and each index costs an insert per rewritten row. At ~22,700 rows a filter on a
        # low-cardinality column (risk level, score) scans faster than it maintains an index.
        indexes = [
            models.Index(fields=["kind", "state"], name="juris_kind_state_idx"),
            models.Index(fields=["stance"], name="juris_stance_idx"),
            models.Index(fields=["-funding_at_risk_usd", "name"], name="juris_ranking_idx"),
            models.Index(fields=["population"], name="juris_population_idx"),
            models.Index(
                fields=["risk_stale_since"], condition=Q(risk_stale=True), name="juris_stale_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="%(app_label)s_%(class)s_unique_slug"),
            models.UniqueConstraint(fields=["fips"], name="%(app_label)s_%(class)s_unique_fips"),
            models.UniqueConstraint(
                fields=["ocd_id"], name="%(app_label)s_%(class)s_unique_ocd_id"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=JurisdictionKind.values),
                name="%(app_label)s_%(class)s_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(stance__in=StanceCode.values),
                name="%(app_label)s_%(class)s_stance_valid",
            ),
            models.CheckConstraint(
                condition=Q(exposure_usd__gte=0)
                & Q(max_at_risk_usd__gte=0)
                & Q(funding_at_risk_usd__gte=0)
                & Q(funding_at_risk_usd__lte=models.F("max_at_risk_usd"))
                & Q(max_at_risk_usd__lte=models.F("exposure_usd")),
                name="%(app_label)s_%(class)s_risk_bounds",
            ),
            models.CheckConstraint(
                condition=Q(risk_score__lte=100), name="%(app_label)s_%(class)s_score_range"
            ),
            models.CheckConstraint(
                condition=Q(kind="state", fips__regex=r"^\d{2}$")
                | Q(kind="county", fips__regex=r"^\d{5}$")
                | Q(kind="city", fips__regex=r"^\d{7}$")
                | Q(kind="consolidated", fips__regex=r"^(\d{5}|\d{7})$"),
                name="%(app_label)s_%(class)s_fips_matches_kind",
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="%(app_label)s_%(class)s_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        if self.kind == JurisdictionKind.STATE:
            return self.name
        return f"{self.name}, {self.state}"

    def get_absolute_url(self) -> str:
        return reverse("dashboard:detail", kwargs={"slug": self.slug})

    def clean(self) -> None:
        super().clean()
        if self.kind == JurisdictionKind.CONSOLIDATED:
            if self.fips and len(self.fips) not in CONSOLIDATED_FIPS_LENGTHS:
                message = "A consolidated city-county has a 7-digit place or 5-digit county GEOID."
                raise ValidationError({"fips": message})
        else:
            expected = FIPS_LENGTH.get(self.kind)  # type: ignore[call-overload]
            if expected and self.fips and len(self.fips) != expected:
                raise ValidationError(
                    {"fips": f"A {self.get_kind_display()} has a {expected}-digit GEOID."}
                )
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": "A jurisdiction cannot be its own parent."})


class Official(CleanTextMixin, models.Model):
    """A person holding a role in a jurisdiction for a term (dates may be unknown)."""

    jurisdiction = models.ForeignKey(
        to="jurisdictions.Jurisdiction", on_delete=models.PROTECT, related_name="officials"
    )
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=32, choices=OfficialRole.choices)
    title = models.CharField(
        max_length=200, blank=True, help_text="The office as the source words it, if narrower."
    )
    term_start = models.DateField(null=True, blank=True, validators=[any_date])
    term_start_precision = models.CharField(
        max_length=16, choices=DatePrecision.choices, blank=True
    )
    term_end = models.DateField(
        null=True,
        blank=True,
        validators=[any_date],
        help_text="Empty while in office (or when not known).",
    )
    term_end_precision = models.CharField(max_length=16, choices=DatePrecision.choices, blank=True)
    notes = models.TextField(blank=True)
    source_url = models.URLField(max_length=1000, validators=[http_url])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ("jurisdiction__name", "role", "-term_start", "name")
        verbose_name = "official"
        indexes = [models.Index(fields=["role"], name="juris_official_role_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "name", "role"],
                name="%(app_label)s_%(class)s_unique_person_role",
            ),
            models.CheckConstraint(
                condition=Q(term_end__isnull=True)
                | Q(term_start__isnull=True)
                | Q(term_end__gte=models.F("term_start")),
                name="%(app_label)s_%(class)s_term_order",
            ),
            models.CheckConstraint(
                condition=~Q(source_url=""), name="%(app_label)s_%(class)s_has_source"
            ),
            models.CheckConstraint(
                condition=Q(role__in=OfficialRole.values), name="%(app_label)s_%(class)s_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.title or self.get_role_display()}, {self.jurisdiction})"

    def clean(self) -> None:
        super().clean()
        if self.term_start and self.term_end and self.term_end < self.term_start:
            raise ValidationError({"term_end": "The term cannot end before it starts."})
        for day, precision in (("term_start", "term_start_precision"),
                               ("term_end", "term_end_precision")):  # fmt: skip
            if getattr(self, day) and not getattr(self, precision):
                setattr(self, precision, DatePrecision.DAY)
            elif not getattr(self, day):
                setattr(self, precision, "")

    def in_office_on(self, day: date) -> bool:
        """In office on ``day``: within the term (an open end means still in office)."""
        return (self.term_start is None or self.term_start <= day) and (
            self.term_end is None or day <= self.term_end
        )


def _stance_constraints() -> list[models.BaseConstraint]:
    constraints: list[models.BaseConstraint] = [
        models.CheckConstraint(
            condition=Q(effective_to__isnull=True)
            | Q(effective_to__gte=models.F("effective_from")),
            name="jurisdictions_policystance_period_order",
        ),
        models.CheckConstraint(
            condition=~Q(source_url=""), name="jurisdictions_policystance_has_source"
        ),
        models.CheckConstraint(
            condition=Q(code__in=StanceCode.values), name="jurisdictions_policystance_code_valid"
        ),
        models.UniqueConstraint(
            fields=["jurisdiction"],
            condition=Q(effective_to__isnull=True),
            name="jurisdictions_policystance_one_open_period",
        ),
        models.UniqueConstraint(
            fields=["jurisdiction", "effective_from"],
            name="jurisdictions_policystance_unique_start",
        ),
    ]
    return constraints


class PolicyStance(CleanTextMixin, models.Model):
    """One period of a jurisdiction's sanctuary-policy stance.

    Periods of one jurisdiction never overlap: on PostgreSQL an exclusion constraint
    (``jurisdictions_policystance_no_overlap``, added by migration 0002) enforces it on
    ``daterange(effective_from, effective_to, '[]')``; ``clean()`` checks the same on any
    database. ``effective_to`` is empty for the current period.
    """

    jurisdiction = models.ForeignKey(
        to="jurisdictions.Jurisdiction", on_delete=models.PROTECT, related_name="stances"
    )
    code = models.CharField("stance", max_length=16, choices=StanceCode.choices)
    effective_from = models.DateField(validators=[past_date])
    effective_to = models.DateField(null=True, blank=True, validators=[any_date])
    date_precision = models.CharField(
        max_length=16, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    basis = models.CharField(max_length=24, choices=StanceBasis.choices)
    description = models.TextField(blank=True)
    source_url = models.URLField(max_length=1000, validators=[http_url])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ("jurisdiction", "effective_from")
        verbose_name = "policy stance"
        constraints = _stance_constraints()

    def __str__(self) -> str:
        end = self.effective_to.isoformat() if self.effective_to else "now"
        return f"{self.jurisdiction}: {self.get_code_display()} {self.effective_from} to {end}"

    def clean(self) -> None:
        super().clean()
        if self.effective_to and self.effective_from and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": "The period cannot end before it starts."})
        if not self.jurisdiction_id or not self.effective_from:
            return
        overlapping = (
            PolicyStance.objects.filter(jurisdiction_id=self.jurisdiction_id)
            .exclude(pk=self.pk)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=self.effective_from))
        )
        if self.effective_to:
            overlapping = overlapping.filter(effective_from__lte=self.effective_to)
        clash = overlapping.first()
        if clash:
            message = f"This period overlaps another stance period ({clash})."
            if clash.effective_to is None and clash.effective_from < self.effective_from:
                message += " That period is still open: give it an end date first."
            raise ValidationError({"effective_from": message})
