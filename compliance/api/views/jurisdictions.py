"""The jurisdiction ViewSet extended with assessments: ``as_of``, breakdown, drivers, the
timeline, the changes between two dates and the audit log of computations.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from compliance.api.serializers.risk import (
    JurisdictionRiskDetailSerializer,
    RiskAssessmentSerializer,
)
from compliance.api.serializers.timeline import (
    ChangesParamsSerializer,
    JurisdictionTimelineSerializer,
    PeriodParamsSerializer,
    RiskChangesSerializer,
)
from compliance.core.dates import EARLIEST
from compliance.core.pagination import StandardPagination
from compliance.core.viewsets import FORMAT_PARAMETER
from compliance.risk.weights import METHOD_VERSION
from compliance.selectors.figures import jurisdiction_figures, risk_history
from compliance.selectors.timeline import jurisdiction_timeline, risk_changes
from jurisdictions.api.serializers import UrlPrefixes
from jurisdictions.api.views import JurisdictionViewSet, jurisdiction_record_data
from jurisdictions.models import Jurisdiction
from jurisdictions.selectors import stance_on


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


@extend_schema_view(
    retrieve=extend_schema(
        summary="One jurisdiction, with officials, stance timeline, breakdown and drivers",
        parameters=[AS_OF_PARAMETER],
    ),
)
class JurisdictionRiskViewSet(JurisdictionViewSet):
    """States, counties and cities, addressed by slug."""

    detail_serializer_class = JurisdictionRiskDetailSerializer
    action_query_params = {
        "retrieve": ("as_of",),
        "timeline": ("from", "to"),
        "changes": ("from", "to"),
        "risk_history": ("page", "page_size"),
    }

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "risk_history":
            return RiskAssessmentSerializer
        if self.action == "timeline":
            return JurisdictionTimelineSerializer
        if self.action == "changes":
            return RiskChangesSerializer
        return super().get_serializer_class()

    @extend_schema(
        summary="The jurisdiction's figures on every date an input changed, and monthly",
        description=(
            "Its figures as the records stood on each date a record changed them (a statement, "
            "an action's issue or status change, a stance change, a figure's publication) and on "
            "the first of every month between, from its earliest record to today, oldest "
            "first. `format=csv` gives one row a point."
        ),
        parameters=[
            FORMAT_PARAMETER,
            OpenApiParameter("from", OpenApiTypes.DATE, description="First date (YYYY-MM-DD)."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last date (default today)."),
        ],
        filters=False,
    )
    @action(detail=True, filterset_class=None, pagination_class=None)
    def timeline(self, request: Request, slug: str | None = None) -> Any:
        jurisdiction = self.get_object()
        params = PeriodParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        points = jurisdiction_timeline(
            jurisdiction_id=jurisdiction.pk,
            start=params.validated_data.get("start"),
            end=params.validated_data.get("end"),
        )
        if getattr(request.accepted_renderer, "format", "json") == "csv":
            return self.export_rows_csv(
                [_flat_point(point) for point in points], f"timeline-{jurisdiction.slug}"
            )
        body = {"slug": jurisdiction.slug, "method_version": METHOD_VERSION, "points": points}
        return Response(JurisdictionTimelineSerializer(body).data)

    @extend_schema(
        summary="What changed between two dates: both figures and every driver that moved",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, required=True,
                             description="The earlier date (YYYY-MM-DD)."),
            OpenApiParameter("to", OpenApiTypes.DATE, required=True,
                             description="The later date (YYYY-MM-DD)."),
        ],
        filters=False,
    )  # fmt: skip
    @action(detail=True, filterset_class=None, pagination_class=None)
    def changes(self, request: Request, slug: str | None = None) -> Any:
        jurisdiction = self.get_object()
        params = ChangesParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        before, after, drivers = risk_changes(
            jurisdiction_id=jurisdiction.pk,
            start=params.validated_data["start"],
            end=params.validated_data["end"],
        )
        body = {
            "slug": jurisdiction.slug, "method_version": METHOD_VERSION, "start": before,
            "end": after, "drivers": drivers,
        }  # fmt: skip
        return Response(RiskChangesSerializer(body, context=self.get_serializer_context()).data)

    def detail_data(self, request: Request, jurisdiction: Jurisdiction) -> dict[str, Any]:
        """The stored record, with the figures of the latest assessment or, with ``as_of``
        (or when none is recorded yet), of one computed on request."""
        params = AsOfSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        as_of = params.validated_data.get("as_of")
        data = jurisdiction_record_data(
            jurisdiction=jurisdiction, prefixes=UrlPrefixes(request), on=as_of
        )
        figures = jurisdiction_figures(jurisdiction_id=jurisdiction.pk, as_of=as_of)
        if figures.computed_on_request:
            data.update(
                exposure_usd=figures.exposure_usd,
                max_at_risk_usd=figures.max_at_risk_usd,
                funding_at_risk_usd=figures.funding_at_risk_usd,
                risk_score=figures.score,
                risk_level=figures.level,
                data_gaps=figures.data_gaps,
                risk_computed_at=None,
            )
        if as_of is not None:
            stance, since = stance_on(jurisdiction_id=jurisdiction.pk, on=as_of)
            data.update(stance=stance, stance_since=since, risk_stale=False)
        data.update(
            method_version=figures.method_version,
            as_of=figures.as_of,
            programs=figures.programs,
            drivers=figures.drivers,
        )
        return data

    @extend_schema(
        summary="The audit log of computations: every recorded assessment, oldest first",
        description=(
            "Each time this install computed a changed result for the jurisdiction, one row. "
            "It is a log of computations, not the history of the figures: for the figures as "
            "the records stood on each date, read `timeline`."
        ),
        parameters=[FORMAT_PARAMETER],
        responses=RiskAssessmentSerializer(many=True),
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
        history = risk_history(jurisdiction_id=jurisdiction.pk).select_related("jurisdiction")
        if self.wants_export(request):
            return self.export_csv(history)
        page = self.paginate_queryset(history)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def _flat_point(point: dict[str, Any]) -> dict[str, Any]:
    """A timeline point as one CSV row: gaps and event labels joined."""
    return {
        **{name: point[name] for name in TIMELINE_CSV_COLUMNS if name in point},
        "events": "; ".join(event["label"] for event in point.get("events", ())),
    }


TIMELINE_CSV_COLUMNS = (
    "date", "exposure_usd", "max_at_risk_usd", "funding_at_risk_usd", "risk_score",
    "risk_level", "stance", "data_gaps", "events",
)  # fmt: skip
