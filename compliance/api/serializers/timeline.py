"""Serializers of timelines (a jurisdiction's and the national one), their period parameters
and the changes between two dates.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from compliance.api.serializers.risk import EvidenceUrlMixin
from compliance.core.dates import EARLIEST


class TimelineEventSerializer(serializers.Serializer):
    type = serializers.CharField(
        help_text="statement, action, status, stance, award or fiscal_year."
    )
    id = serializers.IntegerField(help_text="Id of the record.")
    label = serializers.CharField()  # type: ignore[assignment]


class TimelinePointSerializer(serializers.Serializer):
    date = serializers.DateField()
    exposure_usd = serializers.IntegerField()
    max_at_risk_usd = serializers.IntegerField()
    funding_at_risk_usd = serializers.IntegerField()
    risk_score = serializers.IntegerField()
    risk_level = serializers.CharField()
    stance = serializers.CharField()
    data_gaps = serializers.ListField(child=serializers.CharField())
    events = TimelineEventSerializer(many=True)


class JurisdictionTimelineSerializer(serializers.Serializer):
    slug = serializers.CharField()
    method_version = serializers.CharField()
    points = TimelinePointSerializer(many=True)


class NationalPointSerializer(serializers.Serializer):
    date = serializers.DateField()
    jurisdictions = serializers.IntegerField(help_text="Jurisdictions with figures on the date.")
    exposure_usd = serializers.IntegerField()
    max_at_risk_usd = serializers.IntegerField()
    funding_at_risk_usd = serializers.IntegerField()
    by_level = serializers.DictField(child=serializers.IntegerField())
    no_award_data = serializers.IntegerField(help_text="Of them, with no award figure on record.")
    events = TimelineEventSerializer(many=True)


@extend_schema_serializer(many=False)  # one object, though served by a list action
class NationalTimelineSerializer(serializers.Serializer):
    method_version = serializers.CharField()
    points = NationalPointSerializer(many=True)


class PeriodParamsSerializer(serializers.Serializer):
    """``from`` and ``to`` query parameters (both optional, from on or before to)."""

    dates_required = False

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # "from" and "to" are Python keywords: the fields are added under those names here.
        fields["from"] = serializers.DateField(
            source="start", required=self.dates_required, help_text="From this date (YYYY-MM-DD)."
        )
        fields["to"] = serializers.DateField(
            source="end", required=self.dates_required, help_text="To this date (YYYY-MM-DD)."
        )
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        today = timezone.localdate()
        for name, label in (("start", "from"), ("end", "to")):
            value = attrs.get(name)
            if value is not None and not EARLIEST <= value <= today:
                raise serializers.ValidationError(
                    {label: f"Use a date from {EARLIEST} to today ({today})."}
                )
        if attrs.get("start") and attrs.get("end") and attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"from": "`from` must not be after `to`."})
        return attrs


class ChangesParamsSerializer(PeriodParamsSerializer):
    """``from`` and ``to``, both required."""

    dates_required = True


class DriverChangeSerializer(EvidenceUrlMixin):
    evidence_kind = serializers.CharField()
    evidence_id = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]
    change = serializers.CharField(help_text="appeared, disappeared or changed.")
    from_contribution_usd = serializers.IntegerField(source="from_usd")
    to_contribution_usd = serializers.IntegerField(source="to_usd")
    change_usd = serializers.IntegerField()
    from_contribution_score = serializers.FloatField(source="from_score")
    to_contribution_score = serializers.FloatField(source="to_score")
    sentence = serializers.CharField()


class FiguresOnSerializer(serializers.Serializer):
    date = serializers.DateField(source="as_of")
    exposure_usd = serializers.IntegerField()
    max_at_risk_usd = serializers.IntegerField()
    funding_at_risk_usd = serializers.IntegerField()
    risk_score = serializers.IntegerField(source="score")
    risk_level = serializers.CharField(source="level")
    stance = serializers.CharField()
    data_gaps = serializers.ListField(child=serializers.CharField())


class RiskChangesSerializer(serializers.Serializer):
    """The figures on both dates and the drivers that appeared, disappeared or changed."""

    slug = serializers.CharField()
    method_version = serializers.CharField()
    drivers = DriverChangeSerializer(many=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # "from" and "to" are Python keywords: the fields are added under those names here.
        fields["from"] = FiguresOnSerializer(source="start", help_text="The figures on `from`.")
        fields["to"] = FiguresOnSerializer(source="end", help_text="The figures on `to`.")
        return {name: fields[name] for name in ("slug", "method_version", "from", "to", "drivers")}
