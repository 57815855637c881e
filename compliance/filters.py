"""FilterSets of statements and federal actions (used by the API)."""

from __future__ import annotations

import re

import django_filters
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from compliance.core.filtering import (
    BaseFilterSet,
    DateFilter,
    IntegerFilter,
    StableOrderingFilter,
    StrictChoiceFilter,
)

from .choices import ActionEffect, ActionKind, ActionStatus, StatementPosition
from .models import FederalAction, Statement

SEARCH_CONFIG = "english"


class StatementDocument(RawSQL):
    """The stored ``search_vector`` column of a statement (PostgreSQL only; migration 0003):
    ``to_tsvector('english', quote || ' ' || context)``, indexed with GIN."""

    def __init__(self) -> None:
        super().__init__(
            '"compliance_statement"."search_vector"', [], output_field=SearchVectorField()
        )


_WEBSEARCH_TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')


def websearch_q(text: str, *, fields: tuple[str, ...]) -> Q:
    """PostgreSQL's web-search syntax as a filter for databases without it (the embedded
    SQLite default): words must all appear, ``"a phrase"`` must appear as written, ``-word``
    or ``-"a phrase"`` must not, and ``or`` between two parts takes either. Matching is
    case-insensitive and by substring, with no stemming or ranking."""

    def contains(term: str) -> Q:
        found = Q()
        for name in fields:
            found |= Q(**{f"{name}__icontains": term})
        return found

    clauses: list[Q] = [Q()]
    for match in _WEBSEARCH_TOKEN.finditer(text):
        negated, phrase, word = match.group(1), match.group(2), match.group(3)
        if word is not None and word.lower() == "or":
            clauses.append(Q())
            continue
        if word is not None and word.startswith("-") and len(word) > 1:
            negated, word = "-", word[1:]
        term = (phrase if phrase is not None else word or "").strip()
        if term:
            clauses[-1] &= ~contains(term) if negated else contains(term)
    result = Q(pk__in=[])
    for clause in clauses:
        result |= clause
    return result


class StatementFilterSet(BaseFilterSet):
    jurisdiction = django_filters.CharFilter(
        field_name="jurisdiction__slug", label="Slug of the jurisdiction."
    )
    official = IntegerFilter(field_name="official_id", label="Id of the official who spoke.")
    position = StrictChoiceFilter(
        choices=StatementPosition.choices, label="Position toward federal enforcement demands."
    )
    said_after = DateFilter(field_name="said_on", lookup_expr="gte", label="Said on or after.")
    said_before = DateFilter(field_name="said_on", lookup_expr="lte", label="Said on or before.")
    q = django_filters.CharFilter(
        method="search",
        label=(
            "Full-text search over quote and context (web-search syntax: words, "
            '"a phrase", -excluded, or). Results are ranked best first unless `ordering` is set.'
        ),
    )
    ordering = StableOrderingFilter(
        fields=("said_on", "created_at", "updated_at"),
        tie_break=("-pk",),
        label="Sort by said_on, created_at or updated_at; prefix - to reverse.",
    )

    class Meta:
        model = Statement
        fields: list[str] = []

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        if connection.vendor != "postgresql":
            return queryset.filter(websearch_q(value, fields=("quote", "context")))
        query = SearchQuery(value, config=SEARCH_CONFIG, search_type="websearch")
        queryset = queryset.alias(document=StatementDocument()).filter(document=query)
        if self.data.get("ordering"):
            return queryset
        return queryset.annotate(rank=SearchRank(StatementDocument(), query)).order_by(
            "-rank", "-said_on", "-pk"
        )


class FederalActionFilterSet(BaseFilterSet):
    kind = StrictChoiceFilter(choices=ActionKind.choices, label="Kind of action.")
    effect = StrictChoiceFilter(choices=ActionEffect.choices, label="Effect on funding.")
    status = StrictChoiceFilter(choices=ActionStatus.choices, label="Current status.")
    jurisdiction = django_filters.CharFilter(
        field_name="targets__slug", label="Slug of a jurisdiction the action lists as a target."
    )
    program = django_filters.CharFilter(
        field_name="programs__aln", label="Assistance Listing number of a covered program."
    )
    issued_after = DateFilter(
        field_name="issued_on", lookup_expr="gte", label="Issued on or after."
    )
    issued_before = DateFilter(
        field_name="issued_on", lookup_expr="lte", label="Issued on or before."
    )
    ordering = StableOrderingFilter(
        fields=("issued_on", "created_at", "updated_at"),
        tie_break=("-pk",),
        label="Sort by issued_on, created_at or updated_at; prefix - to reverse.",
    )

    class Meta:
        model = FederalAction
        fields: list[str] = []
