"""Reads of the grants app: a jurisdiction's awards and program exposure."""

from __future__ import annotations

from django.db.models import Count, QuerySet, Sum

from .models import GrantAward


def awards_for_jurisdiction(*, jurisdiction_id: int) -> QuerySet[GrantAward]:
    """A jurisdiction's awards, latest fiscal year first, with their programs."""
    return (
        GrantAward.objects.filter(jurisdiction_id=jurisdiction_id)
        .select_related("program")
        .order_by("-fiscal_year", "program__aln", "program_label", "id")
    )


def award_totals_by_program(*, jurisdiction_id: int) -> list[dict]:
    """Per program and fiscal year, the summed amount and the number of awards (one query).

    Cross-program figures (no program) are left out: they never count as exposure.
    """
    return list(
        GrantAward.objects.filter(jurisdiction_id=jurisdiction_id, program__isnull=False)
        .values("program__aln", "program__name", "fiscal_year")
        .annotate(amount_usd=Sum("amount_usd"), awards=Count("id"))
        .order_by("program__aln", "-fiscal_year")
    )


def award_jurisdiction_ids(*, program_id: int) -> list[int]:
    """Ids of the jurisdictions with at least one award under a program."""
    return list(
        GrantAward.objects.filter(program_id=program_id)
        .order_by("jurisdiction_id")
        .values_list("jurisdiction_id", flat=True)
        .distinct()
    )
