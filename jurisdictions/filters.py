"""FilterSets of the jurisdictions app (used by the API)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from compliance.core.filtering import (
    BaseFilterSet,
    ChoiceListFilter,
    IntegerFilter,
    StableOrderingFilter,
    StrictChoiceFilter,
)
from compliance.risk.weights import DATA_GAPS

from .choices import US_STATES, JurisdictionKind, OfficialRole, RiskLevel, StanceCode
from .models import Jurisdiction, Official

STATE_CHOICES = [(code, code) for code in US_STATES]
RISK_LEVEL_CHOICES = [(level, level) for level in RiskLevel.values]
FACET_FIELDS = ("stance", "state", "kind", "risk_level")


class JurisdictionFilterSet(BaseFilterSet):
    """Filters of ``/api/v1/jurisdictions/``; every one reads a column of the row itself."""

    kind = StrictChoiceFilter(choices=JurisdictionKind.choices, label="Kind of jurisdiction.")
    state = StrictChoiceFilter(choices=STATE_CHOICES, label="Two-letter USPS state code.")
    stance = StrictChoiceFilter(choices=StanceCode.choices, label="Current stance code.")
    risk_level = StrictChoiceFilter(choices=RISK_LEVEL_CHOICES, label="Current risk level.")
    min_funding_at_risk = IntegerFilter(
        field_name="funding_at_risk_usd",
        lookup_expr="gte",
        label="Only jurisdictions with at least this many dollars at risk.",
    )
    q = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains", label="Part of the name (case-insensitive)."
    )
    ordering = StableOrderingFilter(
        fields=("name", "funding_at_risk_usd", "risk_score", "population"),
        tie_break=("name", "pk"),
        label="Sort by name, funding_at_risk_usd, risk_score or population; prefix - to reverse.",
    )
    data_gaps = ChoiceListFilter(
        choices=[("none", "none"), *((code, code) for code in DATA_GAPS)],
        method="with_gaps",
        label="`none` for complete records, or comma-separated gap codes (no_stance, "
        "no_awards, stale_awards, approximate) that must all be present.",
    )
    facets = ChoiceListFilter(
        choices=[(f, f) for f in FACET_FIELDS],
        method="skip",
        label="Comma-separated fields (stance, state, kind, risk_level) to count values of.",
    )

    class Meta:
        model = Jurisdiction
        fields: list[str] = []

    def with_gaps(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        """``none``: no gap; else every listed gap (stored as comma-separated codes)."""
        if not value:
            return queryset
        if "none" in value:
            return queryset.filter(data_gaps="")
        for code in value:
            queryset = queryset.filter(data_gaps__regex=rf"(^|,){code}(,|$)")
        return queryset

    def skip(self, queryset: QuerySet, name: str, value: object) -> QuerySet:
        """``facets`` shapes the response, not the rows."""
        return queryset


class OfficialFilterSet(BaseFilterSet):
    jurisdiction = django_filters.CharFilter(
        field_name="jurisdiction__slug", label="Slug of the jurisdiction."
    )
    role = StrictChoiceFilter(choices=OfficialRole.choices, label="Role held.")

    class Meta:
        model = Official
        fields: list[str] = []
