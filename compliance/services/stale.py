"""Marking jurisdictions stale: the first step of every recompute, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from compliance.tasks import recompute_enqueue
from jurisdictions.models import Jurisdiction


def jurisdictions_mark_stale(*, jurisdiction_ids: Iterable[int]) -> int:
    """Mark jurisdictions stale and bump their generation; queue their recompute after commit.

    One UPDATE in the caller's transaction, so a rolled-back change marks and queues nothing.
    ``risk_stale_since`` keeps the moment the figures first went stale, for the sweep.
    Returns the number of rows marked.
    """
    ids = sorted({int(i) for i in jurisdiction_ids if i is not None})
    if not ids:
        return 0
    marked = Jurisdiction.objects.filter(pk__in=ids).update(
        risk_stale=True,
        risk_generation=F("risk_generation") + 1,
        risk_stale_since=Coalesce(F("risk_stale_since"), Value(timezone.now())),
    )
    transaction.on_commit(partial(recompute_enqueue, jurisdiction_ids=ids), robust=True)
    return marked
