"""Serializers of assessment figures: per-program rows, drivers with their evidence, the
jurisdiction detail extended with its assessment, and recorded assessments.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from compliance.core.fields import SlugRelatedField
from compliance.models import (
    RiskAssessment,
)
from jurisdictions.api.serializers import JurisdictionDetailSerializer


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
    figure_kind = serializers.CharField(
        allow_null=True, default=None, help_text="award, allocation or estimate."
    )
    approximate = serializers.BooleanField(
        default=False, help_text="A figure in this row is rounded by its source or an estimate."
    )


# The API record behind each kind of evidence (a stance is listed on its jurisdiction's record).
EVIDENCE_ROUTES = {
    "statement": "api:statement-detail",
    "action": "api:federal-action-detail",
    "injunction": "api:federal-action-detail",
    "award": "api:grant-award-detail",
}


class EvidenceUrlMixin(serializers.Serializer):
    evidence_url = serializers.SerializerMethodField(
        help_text="The evidence's record in the API (a stance: its jurisdiction, whose "
        "stance_timeline lists it)."
    )

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_evidence_url(self, driver: Any) -> str | None:
        kind = driver["evidence_kind"] if isinstance(driver, dict) else driver.evidence_kind
        pk = driver["evidence_id"] if isinstance(driver, dict) else driver.evidence_id
        request = self.context.get("request")
        if kind in EVIDENCE_ROUTES:
            path = reverse(EVIDENCE_ROUTES[kind], kwargs={"pk": pk})
        else:
            view = self.context.get("view")
            slug = getattr(view, "kwargs", {}).get("slug")
            if not slug:
                return None
            path = reverse("api:jurisdiction-detail", kwargs={"slug": slug})
        return request.build_absolute_uri(path) if request is not None else path


class DriverSerializer(EvidenceUrlMixin):
    evidence_kind = serializers.CharField(
        help_text="stance, statement, action, injunction or award."
    )
    evidence_id = serializers.IntegerField(help_text="Id of the record the evidence is.")
    on = serializers.DateField(allow_null=True, default=None, help_text="Date of the evidence.")
    role = serializers.CharField(
        default="none",
        help_text="raises (the figure would be lower without it), protects (higher without it) "
        "or none (no effect on this date).",
    )
    label = serializers.CharField(  # type: ignore[assignment]
        default="", help_text="A short line: what and when."
    )
    contribution_usd = serializers.IntegerField()
    contribution_score = serializers.FloatField()
    sentence = serializers.CharField(help_text="Why this evidence counts, in one sentence.")


@extend_schema_serializer(component_name="JurisdictionDetail")
class JurisdictionRiskDetailSerializer(JurisdictionDetailSerializer):
    """The list row (as of ``as_of`` when given), plus officials, the stance timeline and the
    per-program breakdown and drivers of the assessment."""

    method_version = serializers.CharField(
        allow_null=True, help_text="Version of the published method behind the figures."
    )
    as_of = serializers.DateField(
        allow_null=True,
        help_text="The date this answer is for: the requested `as_of`, else the date of the "
        "latest assessment (null when none exists yet).",
    )
    programs = ProgramRiskSerializer(many=True)
    drivers = DriverSerializer(many=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        """The record's fields with the method and date after the risk columns (SPEC order)."""
        fields = super().get_fields()
        ordered = {}
        for name, field in fields.items():
            if name in ("method_version", "as_of"):
                continue
            ordered[name] = field
            if name == "risk_stale":
                ordered["method_version"] = fields["method_version"]
                ordered["as_of"] = fields["as_of"]
        return ordered


class RiskAssessmentSerializer(serializers.ModelSerializer):
    """One recorded assessment of a jurisdiction."""

    jurisdiction: serializers.SlugRelatedField = SlugRelatedField(slug_field="slug", read_only=True)
    programs = ProgramRiskSerializer(many=True, read_only=True)
    drivers = DriverSerializer(many=True, read_only=True)

    class Meta:
        model = RiskAssessment
        fields = (
            "id",
            "jurisdiction",
            "computed_at",
            "as_of",
            "method_version",
            "exposure_usd",
            "max_at_risk_usd",
            "funding_at_risk_usd",
            "score",
            "level",
            "stance",
            "programs",
            "drivers",
            "data_gaps",
        )
        read_only_fields = fields
