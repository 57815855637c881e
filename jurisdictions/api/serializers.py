"""Serializers of jurisdictions and officials; the detail combines them with risk figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import NoReverseMatch, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jurisdictions.models import Jurisdiction, Official, PolicyStance

JURISDICTION_LIST_FIELDS = (
    "slug",
    "name",
    "kind",
    "state",
    "fips",
    "ocd_id",
    "population",
    "stance",
    "stance_since",
    "exposure_usd",
    "max_at_risk_usd",
    "funding_at_risk_usd",
    "risk_score",
    "risk_level",
    "risk_computed_at",
    "risk_stale",
    "url",
    "dashboard_url",
)
LIST_COLUMNS = tuple(f for f in JURISDICTION_LIST_FIELDS if f not in {"url", "dashboard_url"})


def dashboard_path(slug: str) -> str:
    try:
        return reverse("jurisdictions:detail", kwargs={"slug": slug})
    except NoReverseMatch:
        return f"/jurisdictions/{slug}/"


class _UrlPrefixes:
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
        computed = row["risk_computed_at"]
        if computed is not None:
            text = computed.astimezone(dt.UTC).isoformat()
            row["risk_computed_at"] = text[:-6] + "Z" if text.endswith("+00:00") else text
        prefixes = self._prefixes()
        row["url"] = prefixes.api_url(row["slug"])
        row["dashboard_url"] = prefixes.page_url(row["slug"])
        return row

    def _prefixes(self) -> _UrlPrefixes:
        prefixes = getattr(self, "_url_prefixes", None)
        if prefixes is None:
            prefixes = self._url_prefixes = _UrlPrefixes(self.context.get("request"))
        return prefixes

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj: Jurisdiction) -> str:
        return self._prefixes().api_url(obj.slug)

    @extend_schema_field(OpenApiTypes.URI)
    def get_dashboard_url(self, obj: Jurisdiction) -> str:
        return self._prefixes().page_url(obj.slug)


class OfficialSerializer(serializers.ModelSerializer):
    jurisdiction: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )

    class Meta:
        model = Official
        fields = (
            "id",
            "jurisdiction",
            "name",
            "role",
            "title",
            "term_start",
            "term_end",
            "source_url",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class OfficialBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Official
        fields = ("id", "name", "role", "title", "term_start", "term_end", "source_url")
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


class ProgramRiskSerializer(serializers.Serializer):
    aln = serializers.CharField(help_text="Assistance Listing number.")
    name = serializers.CharField()
    exposure_usd = serializers.IntegerField()
    max_at_risk_usd = serializers.IntegerField()
    funding_at_risk_usd = serializers.IntegerField()
    award_fiscal_year = serializers.IntegerField(
        allow_null=True,
        default=None,
        help_text="Fiscal year of the award the exposure figure comes from (the most recent "
        "on record, carried forward when no newer award is known).",
    )


class DriverSerializer(serializers.Serializer):
    evidence_kind = serializers.CharField(
        help_text="stance, statement, action, injunction or award."
    )
    evidence_id = serializers.IntegerField(help_text="Id of the record the evidence is.")
    contribution_usd = serializers.IntegerField()
    contribution_score = serializers.FloatField()
    sentence = serializers.CharField(help_text="Why this evidence counts, in one sentence.")


class JurisdictionDetailSerializer(serializers.Serializer):
    """The list row (as of ``as_of`` when given), plus officials, the stance timeline and the
    per-program breakdown and drivers of the assessment."""

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
    risk_computed_at = serializers.DateTimeField(allow_null=True)
    risk_stale = serializers.BooleanField()
    method_version = serializers.CharField(
        allow_null=True, help_text="Version of the published method behind the figures."
    )
    as_of = serializers.DateField(
        allow_null=True,
        help_text="The date this answer is for: the requested `as_of`, else the date of the "
        "latest assessment (null when none exists yet).",
    )
    url = serializers.URLField()
    dashboard_url = serializers.URLField()
    source_url = serializers.CharField(allow_blank=True)
    officials = OfficialBriefSerializer(many=True)
    stance_timeline = StancePeriodSerializer(many=True)
    programs = ProgramRiskSerializer(many=True)
    drivers = DriverSerializer(many=True)
