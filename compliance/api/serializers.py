"""Serializers of statements, federal actions and risk assessments, and the jurisdiction
detail extended with its assessment.

Validation here gives each bad field its own message; the services validate the model again
(``full_clean``) before anything is written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.validators import URLValidator
from django.utils import timezone
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from compliance.core.dates import EARLIEST
from compliance.models import QUOTE_MAX_LENGTH, FederalAction, RiskAssessment, Statement
from grants.models import GrantProgram
from jurisdictions.api.serializers import JurisdictionDetailSerializer
from jurisdictions.models import Jurisdiction, Official

HTTP_URL = URLValidator(schemes=["http", "https"], message="Enter an http:// or https:// URL.")


def source_url_field() -> serializers.URLField:
    return serializers.URLField(
        max_length=1000,
        validators=[HTTP_URL],
        help_text="Where the record comes from (http or https).",
        error_messages={
            "required": "A source URL is required.",
            "blank": "A source URL is required.",
        },
    )


def _on_record(value: dt.date) -> dt.date:
    """A date the records can hold: not before EARLIEST (the API's lower bound everywhere)."""
    if value < EARLIEST:
        raise serializers.ValidationError(f"Use a date on or after {EARLIEST}.")
    return value


def _not_in_future(value: dt.date) -> dt.date:
    _on_record(value)
    today = timezone.localdate()
    if value > today:
        raise serializers.ValidationError(
            f"A date in the future is not allowed (today is {today})."
        )
    return value


class StatementSerializer(serializers.ModelSerializer):
    """A statement; writes refuse a missing source, an empty or over-long quote, a future date,
    an unknown jurisdiction and an official of another jurisdiction."""

    jurisdiction = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Jurisdiction.objects.all(),
        help_text="Slug of the jurisdiction.",
        error_messages={"does_not_exist": "No jurisdiction has the slug '{value}'."},
    )
    official = serializers.PrimaryKeyRelatedField(
        queryset=Official.objects.all(),
        allow_null=True,
        required=False,
        help_text="Id of the official who spoke, if the speaker is one.",
        error_messages={"does_not_exist": "No official has the id {pk_value}."},
    )
    quote = serializers.CharField(
        max_length=QUOTE_MAX_LENGTH,
        help_text=f"The words as said, verbatim (at most {QUOTE_MAX_LENGTH} characters).",
        error_messages={"blank": "The quote cannot be empty."},
    )
    source_url = source_url_field()

    class Meta:
        model = Statement
        fields = (
            "id",
            "jurisdiction",
            "official",
            "speaker",
            "speaker_role",
            "said_on",
            "quote",
            "context",
            "position",
            "source_url",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("id", "created_at", "updated_at")

    def validate_said_on(self, value: dt.date) -> dt.date:
        return _not_in_future(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        instance = self.instance
        jurisdiction = attrs.get("jurisdiction", getattr(instance, "jurisdiction", None))
        official = attrs.get("official", getattr(instance, "official", None))
        if (
            official is not None
            and jurisdiction is not None
            and official.jurisdiction_id != jurisdiction.pk
        ):
            raise serializers.ValidationError(
                {"official": "This official holds office in another jurisdiction."}
            )
        return attrs


class FederalActionSerializer(serializers.ModelSerializer):
    """A federal action with its targets (slugs) and programs (Assistance Listing numbers)."""

    targets = serializers.SlugRelatedField(
        slug_field="slug",
        many=True,
        required=False,
        queryset=Jurisdiction.objects.all(),
        help_text="Slugs of the jurisdictions the action names.",
        error_messages={"does_not_exist": "No jurisdiction has the slug '{value}'."},
    )
    programs = serializers.SlugRelatedField(
        slug_field="aln",
        many=True,
        required=False,
        queryset=GrantProgram.objects.all(),
        help_text="Assistance Listing numbers of the programs it covers.",
        error_messages={"does_not_exist": "No grant program has the number '{value}'."},
    )
    source_url = source_url_field()

    class Meta:
        model = FederalAction
        fields = (
            "id",
            "kind",
            "issuing_body",
            "title",
            "issued_on",
            "summary",
            "effect",
            "status",
            "status_since",
            "targets",
            "targets_all_sanctuary",
            "programs",
            "covers_all_programs",
            "source_url",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("id", "created_at", "updated_at")
        extra_kwargs = {
            "targets_all_sanctuary": {
                "help_text": "True: reaches every jurisdiction whose stance is sanctuary or "
                "partial on the date."
            }
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        instance = self.instance
        for name in ("issued_on", "status_since"):
            if attrs.get(name):
                try:
                    _on_record(attrs[name])
                except serializers.ValidationError as error:
                    raise serializers.ValidationError({name: error.detail}) from error
        issued_on = attrs.get("issued_on", getattr(instance, "issued_on", None))
        status_since = attrs.get("status_since", getattr(instance, "status_since", None))
        if issued_on and status_since and status_since < issued_on:
            raise serializers.ValidationError(
                {"status_since": "A status cannot start before the action was issued."}
            )
        return attrs


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

    jurisdiction: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
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
        )
        read_only_fields = fields
