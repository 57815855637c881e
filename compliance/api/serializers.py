"""Serializers of statements, federal actions and risk assessments, and the jurisdiction
detail extended with its assessment.

Validation here gives each bad field its own message; the services validate the model again
(``full_clean``) before anything is written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.validators import URLValidator
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from compliance.core.dates import EARLIEST
from compliance.core.fields import PrimaryKeyRelatedField, SlugListField, SlugRelatedField
from compliance.models import (
    QUOTE_MAX_LENGTH,
    FederalAction,
    FederalActionStatus,
    RiskAssessment,
    Statement,
)
from compliance.risk.weights import PROTECTIVE_EFFECTS
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

    jurisdiction = SlugRelatedField(
        slug_field="slug",
        queryset=Jurisdiction.objects.all(),
        help_text="Slug of the jurisdiction.",
        error_messages={"does_not_exist": "No jurisdiction has the slug '{value}'."},
    )
    official = PrimaryKeyRelatedField(
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
            "date_precision",
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


class StatusChangeSerializer(serializers.ModelSerializer):
    """One dated change of an action's status. When the recorded ruling or rescission that made
    it is given (``caused_by``), the change takes that record's date and source."""

    caused_by = PrimaryKeyRelatedField(
        queryset=FederalAction.objects.all(),
        allow_null=True,
        required=False,
        help_text="Id of the recorded ruling or rescission that made the change.",
        error_messages={"does_not_exist": "No federal action has the id {pk_value}."},
    )
    effective_from = serializers.DateField(
        allow_null=True,
        required=False,
        help_text="Date of the change; leave empty when `caused_by` gives it.",
    )
    on = serializers.DateField(read_only=True, help_text="The date of the change.")
    source_url = serializers.URLField(
        max_length=1000,
        validators=[HTTP_URL],
        required=False,
        allow_blank=True,
        help_text="Source of the change (http or https); empty when `caused_by` gives it.",
    )
    source = serializers.CharField(  # type: ignore[assignment]
        read_only=True, help_text="Where the change is documented."
    )

    class Meta:
        model = FederalActionStatus
        fields = (
            "status", "on", "effective_from", "date_precision", "listed_only", "caused_by",
            "source_url", "source", "notes",
        )  # fmt: skip

    def validate_effective_from(self, value: dt.date | None) -> dt.date | None:
        return None if value is None else _not_in_future(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("effective_from") is None and attrs.get("caused_by") is None:
            raise serializers.ValidationError(
                {"effective_from": "Give the date of the change, or the ruling that made it."}
            )
        if not attrs.get("source_url") and attrs.get("caused_by") is None:
            raise serializers.ValidationError(
                {"source_url": "Give the source of the change, or the ruling that made it."}
            )
        return attrs


# The most records one action may list, read in one query each way.
MAX_TARGETS = 5_000
MAX_PROGRAMS = 500


class BlockSerializer(serializers.Serializer):
    """What an injunction or rescission blocks: one action, on the listed programs (every
    program that action covers when none are listed)."""

    action = PrimaryKeyRelatedField(
        source="blocked",
        queryset=FederalAction.objects.all(),
        help_text="Id of the blocked federal action.",
        error_messages={"does_not_exist": "No federal action has the id {pk_value}."},
    )
    programs = SlugListField(
        queryset=GrantProgram.objects.all(),
        slug_field="aln",
        noun="Assistance Listing number",
        max_items=MAX_PROGRAMS,
        required=False,
        help_text="Assistance Listing numbers; empty for every program the action covers.",
    )


class FederalActionSerializer(serializers.ModelSerializer):
    """A federal action with its targets (slugs), programs (Assistance Listing numbers), dated
    status history and, for an injunction or rescission, what it blocks."""

    targets = SlugListField(
        queryset=Jurisdiction.objects.all(),
        slug_field="slug",
        noun="slug",
        max_items=MAX_TARGETS,
        required=False,
        help_text=f"Slugs of the jurisdictions the action names (at most {MAX_TARGETS:,}; an "
        "action for every sanctuary jurisdiction sets `targets_all_sanctuary` instead).",
    )
    programs = SlugListField(
        queryset=GrantProgram.objects.all(),
        slug_field="aln",
        noun="Assistance Listing number",
        max_items=MAX_PROGRAMS,
        required=False,
        help_text="Assistance Listing numbers of the programs it covers.",
    )
    status_changes = StatusChangeSerializer(
        many=True,
        required=False,
        help_text="Every change of status after the action's date, oldest first (in effect "
        "until the first). On a write, replaces the whole history.",
    )
    blocks = BlockSerializer(
        many=True,
        required=False,
        help_text="For an injunction or rescission: the actions (and programs) it blocks, for "
        "the jurisdictions it reaches. On a write, replaces them all.",
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
            "date_precision",
            "summary",
            "effect",
            "status",
            "status_changes",
            "targets",
            "targets_all_sanctuary",
            "programs",
            "covers_all_programs",
            "blocks",
            "source_url",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("id", "status", "created_at", "updated_at")
        extra_kwargs = {
            "targets_all_sanctuary": {
                "help_text": "True: reaches every jurisdiction whose stance is sanctuary or "
                "partial on the date (an injunction or rescission: every jurisdiction)."
            },
            "status": {"help_text": "The status today, from the dated status history."},
        }

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict) and data.get("status", "in_effect") != "in_effect":
            raise serializers.ValidationError(
                {"status": "The status is read from status_changes: give each change with its "
                 "date (or the ruling that made it) there."}
            )  # fmt: skip
        return super().to_internal_value(data)

    def validate_issued_on(self, value: dt.date) -> dt.date:
        return _not_in_future(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        instance = self.instance
        issued_on = attrs.get("issued_on", getattr(instance, "issued_on", None))
        for index, change in enumerate(attrs.get("status_changes") or ()):
            on = change.get("effective_from") or getattr(change.get("caused_by"), "issued_on", None)
            if issued_on and on and on < issued_on:
                raise serializers.ValidationError(
                    {f"status_changes[{index}].effective_from":
                     "A status cannot change before the action was issued."}
                )  # fmt: skip
        effect = attrs.get("effect", getattr(instance, "effect", None))
        if attrs.get("blocks") and effect not in PROTECTIVE_EFFECTS:
            raise serializers.ValidationError(
                {"blocks": "Only an injunction or a rescission blocks other actions."}
            )
        return attrs

    def to_representation(self, instance: FederalAction) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["status_changes"].sort(key=lambda change: (change["on"] or "", change["status"]))
        data["blocks"] = [
            {"action": block.blocked_id, "programs": sorted(p.aln for p in block.programs.all())}
            for block in instance.blocks.all()
        ]
        return data


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

    @extend_schema_field(OpenApiTypes.URI)
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
