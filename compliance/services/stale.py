"""Marking jurisdictions stale: the first step of every recompute, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from functools import partial

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from compliance.core.dates import EARLIEST
from compliance.tasks import recompute_enqueue
from jurisdictions.models import Jurisdiction

# Set while a bulk path runs: marking goes on, queueing waits for the bulk path to finish.
_deferred: ContextVar[set[int] | None] = ContextVar("risk_recompute_deferred", default=None)


@contextmanager
def recompute_deferred() -> Iterator[set[int]]:
    """Within the block, marking stale queues nothing: the ids collect in the yielded set, for
    the bulk path to queue once, when it is done (what it leaves unqueued, the sweep finds)."""
    collected: set[int] = set()
    token = _deferred.set(collected)
    try:
        yield collected
    finally:
        _deferred.reset(token)


def jurisdictions_mark_stale(
    *, jurisdiction_ids: Iterable[int], since: date | None = None, enqueue: bool = True
) -> int:
    """Mark jurisdictions stale and bump their generation; queue their recompute after commit.

    ``since`` is the earliest date the change can affect: their timelines are recomputed from
    it on (from their beginning when it is not given). One UPDATE in the caller's transaction,
    so a rolled-back change marks and queues nothing. ``risk_stale_since`` keeps the moment
    the figures first went stale, for the sweep. A bulk path that marks in several
    transactions passes ``enqueue=False`` and queues the recompute once, at its end (what it
    leaves unqueued, the sweep finds). Returns the number of rows marked.
    """
    ids = sorted({int(i) for i in jurisdiction_ids if i is not None})
    if not ids:
        return 0
    start = Value(since or EARLIEST)
    marked = Jurisdiction.objects.filter(pk__in=ids).update(
        risk_stale=True,
        risk_generation=F("risk_generation") + 1,
        risk_stale_since=Coalesce(F("risk_stale_since"), Value(timezone.now())),
        timeline_stale_from=Least(Coalesce(F("timeline_stale_from"), start), start),
    )
    deferred = _deferred.get()
    if deferred is not None:
        deferred.update(ids)
    elif enqueue:
        transaction.on_commit(partial(recompute_enqueue, jurisdiction_ids=ids), robust=True)
    return marked
