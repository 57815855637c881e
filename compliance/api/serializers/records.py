"""Serializers of statements and federal actions (with their status histories and blocks).

Validation here gives each bad field its own message; the services validate the model again
(``full_clean``) before anything is written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.validators import URLValidator
from django.utils import timezone
from rest_framework import serializers

from compliance.core.dates import EARLIEST
from compliance.core.fields import PrimaryKeyRelatedField, SlugListField, SlugRelatedField
from compliance.core.serializers import StrictFieldsMixin
from compliance.models import (
    QUOTE_MAX_LENGTH,
    FederalAction,
    FederalActionStatus,
    Statement,
)
from compliance.risk.weights import PROTECTIVE_EFFECTS
from grants.models import GrantProgram
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


class StatementSerializer(StrictFieldsMixin, serializers.ModelSerializer):
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


class StatusChangeSerializer(StrictFieldsMixin, serializers.ModelSerializer):
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


class BlockSerializer(StrictFieldsMixin, serializers.Serializer):
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


class FederalActionSerializer(StrictFieldsMixin, serializers.ModelSerializer):
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
        if isinstance(data, dict) and "status" in data:
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
