"""Reads of the recompute pipeline: which jurisdictions wait for a recompute."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

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
