"""Serializers of grant programs and awards (read-only)."""

from __future__ import annotations

from rest_framework import serializers

from compliance.core.fields import SlugRelatedField
from grants.models import GrantAward, GrantAwardShare, GrantProgram
from jurisdictions.choices import DatePrecision


class GrantProgramSerializer(serializers.ModelSerializer):
    conditions_source_url = serializers.CharField(
        read_only=True, help_text="Source of the conditions (a URL), or empty."
    )

    class Meta:
        model = GrantProgram
        fields = (
            "aln",
            "name",
            "short_name",
            "agency",
            "sub_agency",
            "funding_type",
            "conditions_attach",
            "immigration_conditions",
            "conditions_source_url",
            "source_url",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class GrantAwardShareSerializer(serializers.ModelSerializer):
    member: serializers.SlugRelatedField = SlugRelatedField(
        source="jurisdiction", slug_field="slug", read_only=True, help_text="Member's slug."
    )
    share_usd = serializers.IntegerField(
        source="amount_usd",
        allow_null=True,
        read_only=True,
        help_text="The member's share in whole dollars; null when not published.",
    )

    class Meta:
        model = GrantAwardShare
        fields = ("member", "share_usd", "source_url")
        read_only_fields = fields


class GrantAwardSerializer(serializers.ModelSerializer):
    jurisdiction: serializers.SlugRelatedField = SlugRelatedField(
        slug_field="slug", read_only=True, help_text="Slug of the jurisdiction."
    )
    program: serializers.SlugRelatedField = SlugRelatedField(
        slug_field="aln",
        read_only=True,
        allow_null=True,
        help_text="Assistance Listing number; null for a figure spanning programs.",
    )
    shares = GrantAwardShareSerializer(
        many=True,
        read_only=True,
        help_text="For a joint award: the members and their shares (a dollar counts once).",
    )
    published_on_precision = serializers.ChoiceField(
        choices=DatePrecision.choices,
        allow_blank=True,
        read_only=True,
        help_text="How precise `published_on` is; empty when the date is not known.",
    )

    class Meta:
        model = GrantAward
        fields = (
            "id",
            "jurisdiction",
            "program",
            "program_label",
            "fiscal_year",
            "amount_usd",
            "figure_kind",
            "approximate",
            "published_on",
            "published_on_precision",
            "award_id",
            "shares",
            "source_url",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields
