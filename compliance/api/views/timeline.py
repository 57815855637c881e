"""National totals over time, from the jurisdictions' timelines."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from compliance.api.serializers.timeline import NationalTimelineSerializer, PeriodParamsSerializer
from compliance.core.viewsets import FORMAT_PARAMETER, ApiViewSetMixin
from compliance.risk.weights import METHOD_VERSION
from compliance.selectors.timeline import national_timeline
from jurisdictions.choices import US_STATES, JurisdictionKind, StanceCode


def _choices_parameter(name: str, values: list[str], description: str) -> OpenApiParameter:
    """A repeatable query parameter (``state=CA&state=NY``; commas work too) of choices."""
    return OpenApiParameter(
        name,
        {"type": "array", "items": {"type": "string", "enum": sorted(values)}},
        location=OpenApiParameter.QUERY,
        description=f"{description} Repeat the parameter, or separate values with commas.",
        style="form",
        explode=True,
    )


class NationalTimelineParamsSerializer(PeriodParamsSerializer):
    state = serializers.MultipleChoiceField(
        choices=list(US_STATES), required=False, help_text="Two-letter state codes."
    )
    kind = serializers.MultipleChoiceField(choices=JurisdictionKind.choices, required=False)
    stance = serializers.MultipleChoiceField(
        choices=StanceCode.choices, required=False, help_text="Stance on each date."
    )


@extend_schema_view(
    list=extend_schema(
        summary="National totals over time",
        description=(
            "The sums of every jurisdiction's timeline (filters `state`, `kind`, and `stance` "
            "on each date; each repeatable or comma-separated), on the first of every month and "
            "on the date of every federal action and status change. `format=csv` gives one row "
            "a point."
        ),
        parameters=[
            FORMAT_PARAMETER,
            OpenApiParameter("from", OpenApiTypes.DATE, description="First date (YYYY-MM-DD)."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last date (default today)."),
            _choices_parameter("state", list(US_STATES), "Two-letter state codes."),
            _choices_parameter("kind", JurisdictionKind.values, "Kinds of jurisdiction."),
            _choices_parameter("stance", StanceCode.values, "Stances on each date."),
        ],
        responses=NationalTimelineSerializer,
    )
)
class NationalTimelineViewSet(ApiViewSetMixin, viewsets.ViewSet):
    """National totals by date, from the jurisdictions' timelines."""

    export_filename = "national-timeline"
    action_query_params = {"list": ("from", "to", "state", "kind", "stance")}
    permission_classes = [AllowAny]  # read-only: the ViewSet offers GET alone
    http_method_names = ["get", "head", "options"]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        query = {
            name: [v for value in request.query_params.getlist(name) for v in value.split(",") if v]
            for name in ("state", "kind", "stance")
        }  # fmt: skip
        params = NationalTimelineParamsSerializer(
            data={
                **{k: v for k, v in request.query_params.items() if k in ("from", "to")},
                **{k: v for k, v in query.items() if v},
            }
        )
        params.is_valid(raise_exception=True)
        found = params.validated_data
        points = national_timeline(
            state=sorted(found.get("state", ())), kind=sorted(found.get("kind", ())),
            stance=sorted(found.get("stance", ())), start=found.get("start"),
            end=found.get("end"),
        )  # fmt: skip
        if getattr(request.accepted_renderer, "format", "json") == "csv":
            rows = [
                {**{k: v for k, v in p.items() if k not in ("by_level", "events")},
                 **{f"level_{level}": count for level, count in p["by_level"].items()},
                 "events": "; ".join(e["label"] for e in p["events"])}
                for p in points
            ]  # fmt: skip
            return self.export_rows_csv(rows, "national-timeline")
        return Response(
            NationalTimelineSerializer({"method_version": METHOD_VERSION, "points": points}).data
        )
