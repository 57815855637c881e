"""Marking jurisdictions stale: the first step of every recompute, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from functools import partial

from django.db import transaction

from compliance.core.dates import EARLIEST
from compliance.tasks import recompute_enqueue

from .marks import jurisdiction_rows_lock, jurisdiction_rows_mark

# Set while a bulk path runs: marking goes on, queueing waits for the bulk path to finish.
_deferred: ContextVar[set[int] | None] = ContextVar("risk_recompute_deferred", default=None)
# Set while a record write runs: marks collect here (id: earliest date) and are written once,
# in id order, when the write is done (``stale_marks_collected``).
_collected: ContextVar[dict[int, date] | None] = ContextVar("risk_marks_collected", default=None)


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
    collected = _collected.get()
    if collected is not None:
        start_on = since or EARLIEST
        for pk in ids:
            collected[pk] = min(collected.get(pk, start_on), start_on)
        return len(ids)
    return _mark(ids, since=since, enqueue=enqueue)


def _mark(ids: list[int], *, since: date | None, enqueue: bool, locked: bool = False) -> int:
    marked = jurisdiction_rows_mark(jurisdiction_ids=ids, since=since, locked=locked)
    deferred = _deferred.get()
    if deferred is not None:
        deferred.update(ids)
    elif enqueue:
        transaction.on_commit(partial(recompute_enqueue, jurisdiction_ids=ids), robust=True)
    return marked


@contextmanager
def stale_marks_collected() -> Iterator[dict[int, date]]:
    """Within the block, marks collect instead of being written; at its end (inside the
    caller's transaction) every collected jurisdiction is locked in id order and marked: one
    lock per row and request, whatever the number of receivers that fired. Nothing is marked
    when the block raises (its transaction rolls back). Nested blocks join the outer one."""
    if _collected.get() is not None:
        yield _collected.get() or {}
        return
    collected: dict[int, date] = {}
    token = _collected.set(collected)
    try:
        yield collected
    finally:
        _collected.reset(token)
    by_date: dict[date, list[int]] = {}
    for pk, day in sorted(collected.items()):
        by_date.setdefault(day, []).append(pk)
    if not by_date:
        return
    jurisdiction_rows_lock(jurisdiction_ids=sorted(collected))  # all at once, in id order
    for day, day_ids in sorted(by_date.items()):
        _mark(day_ids, since=None if day == EARLIEST else day, enqueue=True, locked=True)
