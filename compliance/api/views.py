"""ViewSets of statements and federal actions (read for everyone, writes through services), and
the jurisdiction ViewSet extended with assessments: ``as_of``, breakdown, drivers, history."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from compliance.core.dates import EARLIEST
from compliance.core.pagination import StandardPagination
from compliance.core.viewsets import FORMAT_PARAMETER, ApiViewSetMixin
from compliance.filters import FederalActionFilterSet, StatementFilterSet
from compliance.models import ActionBlock, FederalAction, FederalActionStatus, Statement
from compliance.risk.weights import METHOD_VERSION
from compliance.selectors.figures import jurisdiction_figures, risk_history
from compliance.selectors.timeline import jurisdiction_timeline, national_timeline, risk_changes
from compliance.services import records
from grants.models import GrantProgram
from jurisdictions.api.serializers import UrlPrefixes
from jurisdictions.api.views import JurisdictionViewSet, jurisdiction_record_data
from jurisdictions.choices import US_STATES, JurisdictionKind, StanceCode
from jurisdictions.models import Jurisdiction
from jurisdictions.selectors import stance_on

from .serializers import (
    ChangesParamsSerializer,
    FederalActionSerializer,
    JurisdictionRiskDetailSerializer,
    JurisdictionTimelineSerializer,
    NationalTimelineSerializer,
    PeriodParamsSerializer,
    RiskAssessmentSerializer,
    RiskChangesSerializer,
    StatementSerializer,
)

WRITE_METHODS = ["get", "post", "patch", "delete", "head", "options"]

STATEMENT_EXAMPLE = OpenApiExample(
    "A mayor's statement",
    request_only=True,
    value={
        "jurisdiction": "chicago-il",
        "official": None,
        "speaker": "Brandon Johnson",
        "speaker_role": "Mayor",
        "said_on": "2025-01-21",
        "quote": "Chicago is a welcoming city, and we will remain one.",
        "context": "Press conference at City Hall.",
        "position": "defiant",
        "source_url": "https://www.chicago.gov/city/en/depts/mayor/press_room.html",
    },
)
ACTION_EXAMPLE = OpenApiExample(
    "Conditions on a grant",
    request_only=True,
    value={
        "kind": "grant_condition",
        "issuing_body": "U.S. Department of Justice, Office of Justice Programs",
        "title": "FY2025 Byrne JAG immigration conditions",
        "issued_on": "2025-02-05",
        "summary": "Conditions the award on cooperation with immigration enforcement.",
        "effect": "condition",
        "status": "in_effect",
        "targets": [],
        "targets_all_sanctuary": True,
        "programs": ["16.738"],
        "covers_all_programs": False,
        "source_url": "https://www.justice.gov/",
    },
)


class WritableViewSet(
    ApiViewSetMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """List and read for everyone; create, PATCH and delete for users with the model
    permission (editors). PUT is not offered: send only the fields that change."""

    http_method_names = WRITE_METHODS


@extend_schema_view(
    list=extend_schema(summary="List statements", parameters=[FORMAT_PARAMETER]),
    create=extend_schema(summary="Record a statement (editors)", examples=[STATEMENT_EXAMPLE]),
    partial_update=extend_schema(summary="Change a statement (editors)"),
    destroy=extend_schema(summary="Delete a statement (editors)"),
)
class StatementViewSet(WritableViewSet):
    """What officials said, verbatim, dated and sourced."""

    queryset = Statement.objects.select_related("jurisdiction").only(
        *(f.name for f in Statement._meta.concrete_fields), "jurisdiction__slug"
    )
    serializer_class = StatementSerializer
    filterset_class = StatementFilterSet
    export_filename = "statements"

    def perform_create(self, serializer: BaseSerializer) -> None:
        serializer.instance = records.statement_create(
            statement=Statement(**serializer.validated_data)
        )

    def perform_update(self, serializer: BaseSerializer) -> None:
        serializer.instance = records.statement_update(
            statement=cast(Statement, serializer.instance), data=serializer.validated_data
        )

    def perform_destroy(self, instance: Statement) -> None:
        records.statement_delete(statement=instance)


@extend_schema_view(
    list=extend_schema(summary="List federal actions", parameters=[FORMAT_PARAMETER]),
    create=extend_schema(summary="Record a federal action (editors)", examples=[ACTION_EXAMPLE]),
    partial_update=extend_schema(summary="Change a federal action (editors)"),
    destroy=extend_schema(summary="Delete a federal action (editors)"),
)
class FederalActionViewSet(WritableViewSet):
    """DOJ notices and other federal moves that bear on funding, with targets and programs."""

    queryset = FederalAction.objects.prefetch_related(
        Prefetch("targets", queryset=Jurisdiction.objects.only("id", "slug").order_by("slug")),
        Prefetch("programs", queryset=GrantProgram.objects.only("id", "aln").order_by("aln")),
        Prefetch(
            "status_changes",
            queryset=FederalActionStatus.objects.select_related("caused_by").order_by(
                "effective_from", "pk"
            ),
        ),
        Prefetch(
            "blocks",
            queryset=ActionBlock.objects.prefetch_related("programs").order_by("blocked_id"),
        ),
    )
    serializer_class = FederalActionSerializer
    filterset_class = FederalActionFilterSet
    export_filename = "federal-actions"

    def perform_create(self, serializer: BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        relations = {
            name: data.pop(name, ()) for name in ("targets", "programs", "status_changes", "blocks")
        }
        action = records.federal_action_create(action=FederalAction(**data), **relations)
        serializer.instance = self.get_queryset().get(pk=action.pk)

    def perform_update(self, serializer: BaseSerializer) -> None:
        updated = records.federal_action_update(
            action=cast(FederalAction, serializer.instance), data=serializer.validated_data
        )
        serializer.instance = self.get_queryset().get(pk=updated.pk)

    def perform_destroy(self, instance: FederalAction) -> None:
        records.federal_action_delete(action=instance)


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
        return Response(RiskChangesSerializer(body).data)

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
            OpenApiParameter("state", OpenApiTypes.STR, description="Two-letter state code."),
            OpenApiParameter("kind", OpenApiTypes.STR, description="Kind of jurisdiction."),
            OpenApiParameter("stance", OpenApiTypes.STR, description="Stance on the date."),
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
