"""Read-only ViewSets of grant programs (by Assistance Listing number) and awards."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from compliance.core.viewsets import FORMAT_PARAMETER, ApiViewSetMixin
from grants.filters import GrantAwardFilterSet, GrantProgramFilterSet
from grants.models import GrantAward, GrantAwardShare, GrantProgram

from .serializers import GrantAwardSerializer, GrantProgramSerializer


@extend_schema_view(list=extend_schema(parameters=[FORMAT_PARAMETER]))
class GrantProgramViewSet(ApiViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Federal assistance programs, addressed by Assistance Listing number (``16.738``)."""

    queryset = GrantProgram.objects.order_by("aln")
    serializer_class = GrantProgramSerializer
    filterset_class = GrantProgramFilterSet
    lookup_field = "aln"
    lookup_value_regex = r"\d{2}\.\d{3}"
    export_filename = "grant-programs"


@extend_schema_view(list=extend_schema(parameters=[FORMAT_PARAMETER]))
class GrantAwardViewSet(ApiViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Money each jurisdiction received or was allocated, in whole dollars."""

    queryset = (
        GrantAward.objects.select_related("jurisdiction", "program")
        .only(
            *(f.name for f in GrantAward._meta.concrete_fields if f.name != "notes"),
            "jurisdiction__slug",
            "program__aln",
        )
        .prefetch_related(
            Prefetch(
                "shares",
                queryset=GrantAwardShare.objects.select_related("jurisdiction").order_by("pk"),
            )
        )
        .order_by("pk")
    )
    serializer_class = GrantAwardSerializer
    filterset_class = GrantAwardFilterSet
    export_filename = "grant-awards"
