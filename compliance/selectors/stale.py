"""Reads of the recompute pipeline: which jurisdictions wait for a recompute."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from jurisdictions.models import Jurisdiction


def jurisdiction_ids_stale(
    *, older_than: datetime | None = None, after_id: int = 0, limit: int = 10_000
) -> list[int]:
    """Ids (ascending, above ``after_id``) of jurisdictions stale since ``older_than`` or
    earlier; a stale row with no recorded start counts as old."""
    qs = Jurisdiction.objects.filter(risk_stale=True, pk__gt=after_id)
    if older_than is not None:
        qs = qs.filter(Q(risk_stale_since__isnull=True) | Q(risk_stale_since__lte=older_than))
    return list(qs.order_by("pk").values_list("pk", flat=True)[:limit])


# A jurisdiction whose recompute failed n times in a row waits 2^n minutes (at most six hours)
# before the sweep tries it again.
FAILURE_BACKOFF_MAX = timedelta(hours=6)


def failure_backoff(failures: int) -> timedelta:
    """How long the sweep leaves a jurisdiction alone after ``failures`` failed recomputes."""
    if failures <= 0:
        return timedelta(0)
    return min(timedelta(minutes=2 ** min(failures, 16)), FAILURE_BACKOFF_MAX)


def jurisdiction_ids_due(
    *, jurisdiction_ids: Sequence[int], now: datetime | None = None
) -> list[int]:
    """The given ids less those whose last failed recompute is more recent than its backoff."""
    now = now or timezone.now()
    rows = Jurisdiction.objects.filter(pk__in=list(jurisdiction_ids), risk_failures__gt=0)
    waiting = {
        pk
        for pk, failures, failed_at in rows.values_list("pk", "risk_failures", "risk_failed_at")
        if failed_at is not None and failed_at + failure_backoff(failures) > now
    }
    return [pk for pk in jurisdiction_ids if pk not in waiting]
