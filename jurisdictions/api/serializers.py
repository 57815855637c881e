"""Serializers of jurisdictions, officials and stance periods.

The detail here is the record as stored (its current stance and risk columns, officials and
stance timeline); the compliance app's API extends it with the breakdown and the drivers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from compliance.core.fields import SlugRelatedField
from jurisdictions.choices import DatePrecision
from jurisdictions.models import RISK_COLUMNS, Jurisdiction, Official, PolicyStance

# The stored columns of a list row, then its two addresses (SPEC's field order).
LIST_COLUMNS = (
    "slug", "name", "kind", "state", "fips", "ocd_id", "population", "stance", "stance_since",
    *RISK_COLUMNS,
)  # fmt: skip
JURISDICTION_LIST_FIELDS = (*LIST_COLUMNS, "url", "dashboard_url")


def gaps_list(text: str | list[str]) -> list[str]:
    """Stored data gaps (comma-separated codes) as a list."""
    if isinstance(text, list):
        return text
    return [code for code in text.split(",") if code]


def dashboard_path(slug: str) -> str:
    """The jurisdiction's page (``Jurisdiction.get_absolute_url``) for a slug."""
    return Jurisdiction(slug=slug).get_absolute_url()


class UrlPrefixes:
    """Absolute URL prefixes, built once per request rather than reversed per row."""

    def __init__(self, request: Any) -> None:
        marker = "slug-marker"
        api = reverse("api:jurisdiction-detail", kwargs={"slug": marker})
        page = dashboard_path(marker)
        build = request.build_absolute_uri if request is not None else (lambda path: path)
        self.api = build(api).split(marker)
        self.page = build(page).split(marker)

    def api_url(self, slug: str) -> str:
        return slug.join(self.api)

    def page_url(self, slug: str) -> str:
        return slug.join(self.page)


class JurisdictionSerializer(serializers.ModelSerializer):
    """The flat list row: identity, current stance and the current (denormalised) risk."""

    url = serializers.SerializerMethodField(help_text="This record in the API.")
    data_gaps = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="What the current figures lack (no_stance, no_awards, stale_awards, "
        "approximate); empty when nothing is missing.",
    )
    dashboard_url = serializers.SerializerMethodField(help_text="This jurisdiction's page.")

    class Meta:
        model = Jurisdiction
        fields = JURISDICTION_LIST_FIELDS
        read_only_fields = JURISDICTION_LIST_FIELDS

    def to_representation(self, instance: Jurisdiction | dict[str, Any]) -> dict[str, Any]:
        """Rows are read straight from the columns (a model or a ``values()`` dict): at 100
        rows a page this is several times faster than field-by-field serialization."""
        if isinstance(instance, dict):
            row = {name: instance[name] for name in LIST_COLUMNS}
        else:
            row = {name: getattr(instance, name) for name in LIST_COLUMNS}
        since = row["stance_since"]
        row["stance_since"] = since.isoformat() if since else None
        row["data_gaps"] = gaps_list(row["data_gaps"])
        computed = row["risk_computed_at"]
        if computed is not None:
            text = computed.astimezone(dt.UTC).isoformat()
            row["risk_computed_at"] = text[:-6] + "Z" if text.endswith("+00:00") else text
        prefixes = self._prefixes()
        row["url"] = prefixes.api_url(row["slug"])
        row["dashboard_url"] = prefixes.page_url(row["slug"])
        return row

    def _prefixes(self) -> UrlPrefixes:
        prefixes = getattr(self, "url_prefixes", None)
        if prefixes is None:
            prefixes = self.url_prefixes = UrlPrefixes(self.context.get("request"))
        return prefixes

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj: Jurisdiction) -> str:
        return self._prefixes().api_url(obj.slug)

    @extend_schema_field(OpenApiTypes.URI)
    def get_dashboard_url(self, obj: Jurisdiction) -> str:
        return self._prefixes().page_url(obj.slug)


def _term_precision(end: str) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=DatePrecision.choices,
        allow_blank=True,
        read_only=True,
        help_text=f"How precise the term's {end} date is; empty when there is no date.",
    )


class OfficialSerializer(serializers.ModelSerializer):
    jurisdiction: serializers.SlugRelatedField = SlugRelatedField(slug_field="slug", read_only=True)
    term_start_precision = _term_precision("start")
    term_end_precision = _term_precision("end")

    class Meta:
        model = Official
        fields = (
            "id",
            "jurisdiction",
            "name",
            "role",
            "title",
            "term_start",
            "term_start_precision",
            "term_end",
            "term_end_precision",
            "source_url",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class OfficialBriefSerializer(serializers.ModelSerializer):
    term_start_precision = _term_precision("start")
    term_end_precision = _term_precision("end")

    class Meta:
        model = Official
        fields = (
            "id", "name", "role", "title", "term_start", "term_start_precision", "term_end",
            "term_end_precision", "source_url",
        )  # fmt: skip
        read_only_fields = fields


class StancePeriodSerializer(serializers.ModelSerializer):
    stance = serializers.CharField(source="code", help_text="Stance code of the period.")

    class Meta:
        model = PolicyStance
        fields = (
            "id",
            "stance",
            "effective_from",
            "effective_to",
            "date_precision",
            "basis",
            "description",
            "source_url",
        )
        read_only_fields = fields


class JurisdictionDetailSerializer(serializers.Serializer):
    """The list row, plus the parent, the source, the officials in office and the stance
    timeline."""

    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    state = serializers.CharField()
    fips = serializers.CharField()
    ocd_id = serializers.CharField()
    population = serializers.IntegerField(allow_null=True)
    population_year = serializers.IntegerField(allow_null=True)
    parent = serializers.CharField(  # type: ignore[assignment]
        allow_null=True, help_text="Slug of the parent jurisdiction."
    )
    stance = serializers.CharField()
    stance_since = serializers.DateField(allow_null=True)
    exposure_usd = serializers.IntegerField()
    max_at_risk_usd = serializers.IntegerField()
    funding_at_risk_usd = serializers.IntegerField()
    risk_score = serializers.IntegerField()
    risk_level = serializers.CharField()
    data_gaps = serializers.ListField(child=serializers.CharField())
    risk_computed_at = serializers.DateTimeField(allow_null=True)
    risk_stale = serializers.BooleanField()
    url = serializers.URLField()
    dashboard_url = serializers.URLField()
    source_url = serializers.CharField(allow_blank=True)
    officials = OfficialBriefSerializer(many=True, help_text="In office on the date.")
    former_officials = OfficialBriefSerializer(
        many=True, help_text="Whose terms ended before the date (or began after it)."
    )
    stance_timeline = StancePeriodSerializer(many=True)
