"""Read-only ViewSets of jurisdictions (list, detail with ``as_of``, risk history) and officials.

The detail combines apps (risk figures come from ``compliance``), which only ``api/`` modules
of this app may do.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import asdict
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from compliance import selectors as compliance_selectors
from compliance import services as compliance_services
from compliance.api.filtering import EARLIEST
from compliance.api.pagination import FacetedPagination, StandardPagination
from compliance.api.serializers import RiskAssessmentSerializer
from compliance.api.viewsets import FORMAT_PARAMETER, ApiViewSetMixin
from jurisdictions import selectors
from jurisdictions.filters import JurisdictionFilterSet, OfficialFilterSet
from jurisdictions.models import Jurisdiction, Official

from .serializers import (
    LIST_COLUMNS,
    JurisdictionDetailSerializer,
    JurisdictionSerializer,
    OfficialSerializer,
    _UrlPrefixes,
)


class AsOfSerializer(serializers.Serializer):
    as_of = serializers.DateField(
        required=False,
        help_text="Answer as of this date (YYYY-MM-DD), from records dated on or before it.",
    )

    def validate_as_of(self, value: dt.date) -> dt.date:
        today = timezone.localdate()
        if value > today:
            raise serializers.ValidationError(f"Use a date no later than today ({today}).")
        if value < EARLIEST:
            raise serializers.ValidationError(f"Use a date on or after {EARLIEST}.")
        return value


AS_OF_PARAMETER = OpenApiParameter(
    name="as_of",
    type=OpenApiTypes.DATE,
    location=OpenApiParameter.QUERY,
    description=(
        "Answer as of this date: stance, officials in office and funding at risk computed "
        "from the records dated on or before it. Not later than today."
    ),
    examples=[OpenApiExample("Early 2025", value="2025-02-01")],
)


def _breakdown(assessment: Any) -> tuple[list[dict], list[dict], str | None]:
    """Programs, drivers and method version of a recorded or a computed assessment."""
    if assessment is None:
        return [], [], None
    if hasattr(assessment, "fingerprint"):  # a RiskAssessment row
        return list(assessment.programs), list(assessment.drivers), assessment.method_version
    return (
        [asdict(p) for p in assessment.programs],
        [asdict(d) for d in assessment.drivers],
        assessment.method_version,
    )


def jurisdiction_detail_data(
    *, jurisdiction: Jurisdiction, as_of: dt.date | None, prefixes: _UrlPrefixes
) -> dict[str, Any]:
    """The detail record: current figures (or those computed for ``as_of``) and evidence."""
    jid = jurisdiction.pk
    row: dict[str, Any] = {name: getattr(jurisdiction, name) for name in LIST_COLUMNS}
    if as_of is None:
        assessment: Any = compliance_selectors.risk_assessment_latest(jurisdiction_id=jid)
        if assessment is None:
            assessment = compliance_services.risk_assessment_compute(
                jurisdiction_id=jid, as_of=timezone.localdate()
            )
            row.update(_figures(assessment), risk_computed_at=None)
        answered_for = assessment.as_of
        officials = selectors.officials_in_office(jurisdiction_id=jid)
        timeline = selectors.stance_timeline(jurisdiction_id=jid)
    else:
        assessment = compliance_services.risk_assessment_compute(jurisdiction_id=jid, as_of=as_of)
        period = selectors.stance_on(jurisdiction_id=jid, on=as_of)
        row.update(
            _figures(assessment),
            stance=period.code if period else "unknown",
            stance_since=period.effective_from if period else None,
            risk_computed_at=None,
            risk_stale=False,
        )
        answered_for = as_of
        officials = selectors.officials_in_office(jurisdiction_id=jid, on=as_of)
        timeline = selectors.stance_timeline(jurisdiction_id=jid, as_of=as_of)
    programs, drivers, method_version = _breakdown(assessment)
    return {
        **row,
        "population_year": jurisdiction.population_year,
        "parent": jurisdiction.parent.slug if jurisdiction.parent else None,
        "method_version": method_version,
        "as_of": answered_for,
        "url": prefixes.api_url(jurisdiction.slug),
        "dashboard_url": prefixes.page_url(jurisdiction.slug),
        "source_url": jurisdiction.source_url,
        "officials": list(officials),
        "stance_timeline": list(timeline),
        "programs": programs,
        "drivers": drivers,
    }


def jurisdiction_facets(*, queryset: QuerySet, fields: list[str]) -> dict[str, list[dict]]:
    """Value counts of each field over the filtered rows, most frequent first.

    One query for all the fields: a GROUP BY over their combination, summed per field here.
    At national size that is one scan of the table instead of one per field.
    """
    combos = (
        queryset.order_by()
        .values(*fields)
        .annotate(count=Count("pk"))
        .values_list(*fields, "count")
    )
    counts: dict[str, Counter] = {field: Counter() for field in fields}
    for *values, count in combos:
        for field, value in zip(fields, values, strict=True):
            counts[field][value] += count
    return {
        field: [
            {"value": value, "count": count}
            for value, count in sorted(tally.items(), key=lambda item: (-item[1], str(item[0])))
        ]
        for field, tally in counts.items()
    }


def _figures(assessment: Any) -> dict[str, Any]:
    return {
        "exposure_usd": assessment.exposure_usd,
        "max_at_risk_usd": assessment.max_at_risk_usd,
        "funding_at_risk_usd": assessment.funding_at_risk_usd,
        "risk_score": assessment.score,
        "risk_level": assessment.level,
    }


@extend_schema_view(
    list=extend_schema(
        summary="List jurisdictions",
        description=(
            "Flat rows with the current stance and funding at risk, read from the "
            "jurisdiction itself. `facets=stance,state` adds value counts over the filtered set."
        ),
        parameters=[
            FORMAT_PARAMETER,
            OpenApiParameter(
                name="facets",
                type=OpenApiTypes.STR,
                location=OpenApiParameter.QUERY,
                description="Comma-separated: stance, state, kind, risk_level.",
                examples=[OpenApiExample("Stance and state", value="stance,state")],
            ),
            OpenApiParameter(
                name="ordering",
                type=OpenApiTypes.STR,
                location=OpenApiParameter.QUERY,
                description="name, funding_at_risk_usd, risk_score or population; "
                "prefix - to reverse; comma-separated for several.",
                examples=[OpenApiExample("Most money at risk first", value="-funding_at_risk_usd")],
            ),
        ],
    ),
    retrieve=extend_schema(
        summary="One jurisdiction, with officials, stance timeline, breakdown and drivers",
        parameters=[AS_OF_PARAMETER],
    ),
)
class JurisdictionViewSet(ApiViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """States, counties and cities, addressed by slug."""

    queryset = Jurisdiction.objects.all()
    serializer_class = JurisdictionSerializer
    filterset_class = JurisdictionFilterSet
    pagination_class = FacetedPagination
    lookup_field = "slug"
    lookup_value_regex = r"[a-z0-9]+(?:-[a-z0-9]+)*"
    export_filename = "jurisdictions"

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "retrieve":
            return JurisdictionDetailSerializer
        if self.action == "risk_history":
            return RiskAssessmentSerializer
        return JurisdictionSerializer

    def get_queryset(self) -> QuerySet[Jurisdiction]:
        if self.action == "list":
            # Plain rows from the denormalised columns: no joins, no model instances.
            return Jurisdiction.objects.values(*LIST_COLUMNS)
        if self.action == "retrieve":
            return Jurisdiction.objects.select_related("parent")
        return Jurisdiction.objects.only("id", "slug")

    def add_list_extras(self, response: Response, queryset: QuerySet) -> None:
        raw = self.request.query_params.get("facets", "")
        fields = [f for f in dict.fromkeys(raw.split(",")) if f]
        if not fields:
            return
        response.data["facets"] = jurisdiction_facets(queryset=queryset, fields=fields)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        params = AsOfSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        jurisdiction = self.get_object()
        data = jurisdiction_detail_data(
            jurisdiction=jurisdiction,
            as_of=params.validated_data.get("as_of"),
            prefixes=_UrlPrefixes(request),
        )
        return Response(self.get_serializer(data).data)

    @extend_schema(
        summary="Risk assessment history, oldest first",
        parameters=[FORMAT_PARAMETER],
        filters=False,
    )
    @action(
        detail=True,
        url_path="risk-history",
        filterset_class=None,
        pagination_class=StandardPagination,
    )
    def risk_history(self, request: Request, slug: str | None = None) -> Any:
        jurisdiction = self.get_object()
        history = compliance_selectors.risk_history(jurisdiction_id=jurisdiction.pk).select_related(
            "jurisdiction"
        )
        if self.wants_export(request):
            return self.export_csv(history)
        page = self.paginate_queryset(history)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema_view(list=extend_schema(parameters=[FORMAT_PARAMETER]))
class OfficialViewSet(ApiViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """People holding office in a jurisdiction, with their terms where known."""

    queryset = (
        Official.objects.select_related("jurisdiction")
        .only(
            *(f.name for f in Official._meta.concrete_fields if f.name != "notes"),
            "jurisdiction__slug",
            "jurisdiction__name",
        )
        .order_by("jurisdiction__name", "role", "name", "pk")
    )
    serializer_class = OfficialSerializer
    filterset_class = OfficialFilterSet
    export_filename = "officials"
