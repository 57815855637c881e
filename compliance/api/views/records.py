"""ViewSets of statements and federal actions: read for everyone, writes through services."""

from __future__ import annotations

from typing import cast

from django.db.models import Prefetch
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, viewsets
from rest_framework.serializers import BaseSerializer

from compliance.api.serializers.records import FederalActionSerializer, StatementSerializer
from compliance.core.services import RecordGone
from compliance.core.viewsets import FORMAT_PARAMETER, ApiViewSetMixin
from compliance.filters import FederalActionFilterSet, StatementFilterSet
from compliance.models import ActionBlock, FederalAction, FederalActionStatus, Statement
from compliance.services import records
from grants.models import GrantProgram
from jurisdictions.models import Jurisdiction

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
        serializer.instance = self._written(action.pk)

    def perform_update(self, serializer: BaseSerializer) -> None:
        updated = records.federal_action_update(
            action=cast(FederalAction, serializer.instance), data=serializer.validated_data
        )
        serializer.instance = self._written(updated.pk)

    def _written(self, pk: int) -> FederalAction:
        """The action as just written, read again with what the list shows; gone only if
        a delete committed in between (a 404, as for any deleted record)."""
        action = self.get_queryset().filter(pk=pk).first()
        if action is None:
            raise RecordGone("This federal action was deleted meanwhile.")
        return action

    def perform_destroy(self, instance: FederalAction) -> None:
        records.federal_action_delete(action=instance)
