"""Read-only ViewSets of jurisdictions (list with facets, the stored record) and officials.

The compliance app's API subclasses ``JurisdictionViewSet`` to add what only it knows: the
breakdown and drivers of an assessment, answers ``as_of`` a date, and the assessment history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from compliance.core.pagination import FacetedPagination
from compliance.core.viewsets import FORMAT_PARAMETER, ApiViewSetMixin
from jurisdictions import selectors
from jurisdictions.filters import JurisdictionFilterSet, OfficialFilterSet
from jurisdictions.models import Jurisdiction, Official

from .serializers import (
    LIST_COLUMNS,
    JurisdictionDetailSerializer,
    JurisdictionSerializer,
    OfficialSerializer,
    UrlPrefixes,
    gaps_list,
)


def jurisdiction_record_data(
    *, jurisdiction: Jurisdiction, prefixes: UrlPrefixes, on: dt.date | None = None
) -> dict[str, Any]:
    """The stored record of a jurisdiction; with ``on``, the officials in office and the stance
    periods begun by that date (the current ones otherwise)."""
    jid = jurisdiction.pk
    current, former = selectors.officials_by_term(jurisdiction_id=jid, on=on)
    return {
        **{name: getattr(jurisdiction, name) for name in LIST_COLUMNS},
        "data_gaps": gaps_list(jurisdiction.data_gaps),
        "population_year": jurisdiction.population_year,
        "parent": jurisdiction.parent.slug if jurisdiction.parent else None,
        "url": prefixes.api_url(jurisdiction.slug),
        "dashboard_url": prefixes.page_url(jurisdiction.slug),
        "source_url": jurisdiction.source_url,
        "officials": current,
        "former_officials": former,
        "stance_timeline": selectors.stance_timeline(jurisdiction_id=jid, as_of=on),
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
        ],
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
    detail_serializer_class: type[serializers.BaseSerializer] = JurisdictionDetailSerializer

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "retrieve":
            return self.detail_serializer_class
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
        response.data["facets"] = selectors.jurisdiction_facets(queryset=queryset, fields=fields)

    def detail_data(self, request: Request, jurisdiction: Jurisdiction) -> dict[str, Any]:
        """The body of a detail answer (subclasses add to it)."""
        return jurisdiction_record_data(jurisdiction=jurisdiction, prefixes=UrlPrefixes(request))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.detail_data(request, self.get_object())
        return Response(self.get_serializer(data).data)


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
