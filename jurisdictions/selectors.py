"""Reads of jurisdictions, their officials and their stance timeline."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from .choices import StanceCode
from .models import Jurisdiction, Official, PolicyStance


def jurisdiction_get(*, slug: str) -> Jurisdiction:
    """The jurisdiction with this slug (raises ``Jurisdiction.DoesNotExist``)."""
    return Jurisdiction.objects.select_related("parent").get(slug=slug)


def stance_timeline(*, jurisdiction_id: int, as_of: date | None = None) -> list[PolicyStance]:
    """The stance periods of a jurisdiction, oldest first; with ``as_of``, only those begun by
    then (the open end of a period that ended later is kept as recorded)."""
    periods = PolicyStance.objects.filter(jurisdiction_id=jurisdiction_id)
    if as_of is not None:
        periods = periods.filter(effective_from__lte=as_of)
    return list(periods.order_by("effective_from"))


def stance_on(*, jurisdiction_id: int, on: date) -> PolicyStance | None:
    """The stance period in force on a date, or None (the stance is then ``unknown``)."""
    return (
        PolicyStance.objects.filter(jurisdiction_id=jurisdiction_id, effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .order_by("-effective_from")
        .first()
    )


def stance_code_on(*, jurisdiction_id: int, on: date) -> str:
    period = stance_on(jurisdiction_id=jurisdiction_id, on=on)
    return period.code if period else StanceCode.UNKNOWN.value


def officials_in_office(*, jurisdiction_id: int, on: date | None = None) -> QuerySet[Official]:
    """Officials of a jurisdiction; with ``on``, those whose known term covers that date.

    A missing start or end date is read as open on that side, since most terms in the
    reference data carry no dates.
    """
    officials = Official.objects.filter(jurisdiction_id=jurisdiction_id)
    if on is not None:
        officials = officials.filter(Q(term_start__isnull=True) | Q(term_start__lte=on)).filter(
            Q(term_end__isnull=True) | Q(term_end__gte=on)
        )
    return officials.order_by("role", "-term_start", "name")
