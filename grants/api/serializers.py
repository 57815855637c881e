"""Serializers of grant programs and awards (read-only)."""

from __future__ import annotations

from rest_framework import serializers

from grants.models import GrantAward, GrantProgram


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


class GrantAwardSerializer(serializers.ModelSerializer):
    jurisdiction: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="Slug of the jurisdiction."
    )
    program: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="aln",
        read_only=True,
        allow_null=True,
        help_text="Assistance Listing number; null for a figure spanning programs.",
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
            "amount_type",
            "is_approximate",
            "award_id",
            "source_url",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields
