"""FilterSets of grant programs and awards (used by the API)."""

from __future__ import annotations

import django_filters

from compliance.core.filtering import (
    BaseFilterSet,
    BooleanFilter,
    IntegerFilter,
    StableOrderingFilter,
    StrictChoiceFilter,
)

from .choices import Agency, FigureKind
from .models import GrantAward, GrantProgram


class GrantProgramFilterSet(BaseFilterSet):
    agency = StrictChoiceFilter(choices=Agency.choices, label="Federal agency.")
    conditions_attach = BooleanFilter(
        label="Whether immigration-enforcement conditions attach to the program."
    )

    class Meta:
        model = GrantProgram
        fields: list[str] = []


class GrantAwardFilterSet(BaseFilterSet):
    jurisdiction = django_filters.CharFilter(
        field_name="jurisdiction__slug", label="Slug of the jurisdiction."
    )
    program = django_filters.CharFilter(
        field_name="program__aln", label="Assistance Listing number of the program."
    )
    fiscal_year = IntegerFilter(field_name="fiscal_year", label="Federal fiscal year.")
    min_amount = IntegerFilter(
        field_name="amount_usd", lookup_expr="gte", label="At least this many dollars."
    )
    figure_kind = StrictChoiceFilter(choices=FigureKind.choices, label="Kind of figure.")
    approximate = BooleanFilter(label="Only approximate (or only exact) figures.")
    ordering = StableOrderingFilter(
        fields=("fiscal_year", "amount_usd"),
        tie_break=("pk",),
        label="Sort by fiscal_year or amount_usd; prefix - to reverse.",
    )

    class Meta:
        model = GrantAward
        fields: list[str] = []
