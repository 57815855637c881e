"""Celery tasks, and the coalescing publisher that queues them.

Tasks are thin: they take ids and call services. The publisher (``recompute_enqueue``) is
called after commit by ``compliance.services.stale.jurisdictions_mark_stale``, by the sweep and
by "recompute now"; it lives here, beside the task it queues, so that services import tasks and
never the other way round.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import timedelta
from itertools import islice

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from .selectors.stale import jurisdiction_ids_due, jurisdiction_ids_stale
from .services.delivery import alerts_digest_send, alerts_dispatch
from .services.recompute import risk_assessments_record_each, risk_refresh_all
from .services.verify import risk_verify

logger = logging.getLogger(__name__)

# Ids per queued recompute job.
ENQUEUE_CHUNK_SIZE = 500
# A coalescing key outlives its countdown by this much, in case its job is lost.
QUEUE_KEY_MARGIN_SECONDS = 300
# Stale ids one sweep re-queues before it hands over to the next sweep.
SWEEP_BATCH_SIZE = 5_000


def batched(items: Iterable[int], size: int) -> Iterable[tuple[int, ...]]:
    """``itertools.batched`` of Python 3.12, for our Python 3.11."""
    iterator = iter(items)
    while chunk := tuple(islice(iterator, size)):
        yield chunk


def _queue_key(jurisdiction_id: int) -> str:
    return f"risk:q:{jurisdiction_id}"


def _recent_key(jurisdiction_id: int) -> str:
    return f"risk:r:{jurisdiction_id}"


def recompute_enqueue(*, jurisdiction_ids: Sequence[int]) -> int:
    """Queue recompute jobs in chunks of at most 500 ids, skipping ids with a job waiting.

    Coalescing: ``cache.add("risk:q:<id>")`` succeeds only when no job is waiting for the id
    (the job deletes its keys before it reads anything). An id queued within the last
    ``RISK_COALESCE_SECONDS`` waits that long (``countdown``), so a burst of saves costs one
    job per window; an id that was quiet runs at once, so a lone save shows within a second.

    Never raises: when the broker is down the ids stay stale, their coalescing keys are
    dropped, and the sweep queues them later. Returns the number of ids queued.
    """
    window = settings.RISK_COALESCE_SECONDS
    timeout = window + QUEUE_KEY_MARGIN_SECONDS
    queued = 0
    for chunk in batched(sorted(set(jurisdiction_ids)), ENQUEUE_CHUNK_SIZE):
        try:
            fresh = [i for i in chunk if cache.add(_queue_key(i), 1, timeout=timeout)]
            recent = cache.get_many([_recent_key(i) for i in fresh]) if fresh else {}
            if fresh and window:
                # "Recent" lasts one window past the job's start, delayed or not.
                for delay in (0, window):
                    keys = {
                        _recent_key(i): 1
                        for i in fresh
                        if (_recent_key(i) in recent) == bool(delay)
                    }
                    if keys:
                        cache.set_many(keys, timeout=delay + window)
        except Exception:
            logger.exception("Recompute coalescing unavailable; queueing %d ids", len(chunk))
            fresh, recent = list(chunk), {}
        now = [i for i in fresh if _recent_key(i) not in recent]
        later = [i for i in fresh if _recent_key(i) in recent]
        for ids, countdown in ((now, 0), (later, window)):
            if not ids:
                continue
            try:
                recompute_jurisdictions_task.apply_async(args=[ids], countdown=countdown)
            except Exception:
                logger.exception(
                    "Could not queue the recompute of %d jurisdictions; they stay stale until "
                    "the sweep queues them",
                    len(ids),
                )
                queue_keys_clear(jurisdiction_ids=ids)
                continue
            queued += len(ids)
    return queued


def queue_keys_clear(*, jurisdiction_ids: Sequence[int]) -> None:
    """Forget that recomputes are waiting, so a save from now on queues a follow-up job."""
    try:
        cache.delete_many([_queue_key(i) for i in jurisdiction_ids])
    except Exception:
        logger.exception("Could not clear %d recompute keys", len(jurisdiction_ids))


# A database outage retries the job after 2, 4, 8 ... seconds, at most 120 s apart, for about
# half an hour in all: a short outage exhausts no job, and the sweep catches a longer one.
OUTAGE_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": False,
    "max_retries": 20,
}


@shared_task(bind=True, acks_late=True, ignore_result=True, **OUTAGE_RETRY)
def recompute_jurisdictions_task(self, jurisdiction_ids: list[int]) -> None:
    """Recompute and record each jurisdiction on its own; safe to run twice or concurrently.

    The coalescing keys go first, before any data is read, so a save from now on queues
    one follow-up job instead of being absorbed by this one. A jurisdiction whose recompute
    fails is logged and noted (the sweep retries it with backoff); the others go on.
    """
    queue_keys_clear(jurisdiction_ids=jurisdiction_ids)
    risk_assessments_record_each(jurisdiction_ids=jurisdiction_ids)


@shared_task(acks_late=True, ignore_result=True, **OUTAGE_RETRY)
def refresh_all_jurisdictions_task() -> int:
    """Recompute every jurisdiction as of today (set-based, a few seconds nationally).

    Figures depend on the date even when no record changes (statements lose weight with age,
    fiscal years turn), so beat runs this once a day; unchanged results write no history.
    """
    summary = risk_refresh_all()
    logger.info(
        "Daily refresh: %d jurisdictions in %.1f s, %d new history rows",
        summary.computed, summary.seconds, summary.history_rows,
    )  # fmt: skip
    return summary.computed


@shared_task(acks_late=True, ignore_result=True, **OUTAGE_RETRY)
def verify_risk_task() -> int:
    """The daily consistency check: stored figures and explanations against a fresh
    computation; differences are marked stale and logged as defects."""
    summary = risk_verify()
    recompute_enqueue(jurisdiction_ids=sorted(summary.differing))
    log = logger.error if summary.differing else logger.info
    log(
        "Consistency check: %d jurisdictions in %.1f s, %d differed and were marked stale",
        summary.checked, summary.seconds, len(summary.differing),
    )  # fmt: skip
    return len(summary.differing)


@shared_task(ignore_result=True, acks_late=True)
def sweep_stale_jurisdictions_task(after_id: int = 0) -> int:
    """Re-queue one batch of jurisdictions stale for longer than the grace period, then hand
    over to the next sweep when the batch was full. Returns the number of ids re-queued."""
    cutoff = timezone.now() - timedelta(seconds=settings.RISK_SWEEP_GRACE_SECONDS)
    ids = jurisdiction_ids_stale(older_than=cutoff, after_id=after_id, limit=SWEEP_BATCH_SIZE)
    if not ids:
        return 0
    due = jurisdiction_ids_due(jurisdiction_ids=ids)
    # Stale past the grace period: whatever job its coalescing key waits for was lost (a killed
    # worker, a broker outage), so the key must not hold the id back.
    queue_keys_clear(jurisdiction_ids=due)
    queued = recompute_enqueue(jurisdiction_ids=due)
    logger.info("Sweep re-queued %d of %d stale jurisdictions", queued, len(ids))
    if len(ids) == SWEEP_BATCH_SIZE:
        sweep_stale_jurisdictions_task.apply_async(kwargs={"after_id": ids[-1]})
    return queued


# --- Alerts ---------------------------------------------------------------------------------

_DISPATCH_KEY = "alerts:dispatch"
# A retry due within this many seconds is dispatched by a delayed job; later ones by beat.
DISPATCH_FOLLOW_UP_SECONDS = 120
# A dispatch key outlives its countdown by this much: a lost job holds later kicks back for
# seconds at most (beat's periodic dispatch does not need the key).
DISPATCH_KEY_MARGIN_SECONDS = 10


def alerts_dispatch_enqueue(*, countdown: float = 0) -> bool:
    """Queue one dispatch of the alert outbox unless one is already waiting. Never raises:
    with the broker down, beat's periodic dispatch sends the deliveries later."""
    try:
        if not cache.add(_DISPATCH_KEY, 1, timeout=int(countdown) + DISPATCH_KEY_MARGIN_SECONDS):
            return False
    except Exception:
        logger.exception("Alert dispatch coalescing unavailable; queueing anyway")
    try:
        alerts_dispatch_task.apply_async(countdown=countdown)
    except Exception:
        logger.exception("Could not queue an alert dispatch; beat will run one")
        try:
            cache.delete(_DISPATCH_KEY)
        except Exception:
            logger.exception("Could not clear the alert dispatch key")
        return False
    return True


@shared_task(acks_late=True, ignore_result=True, **OUTAGE_RETRY)
def alerts_dispatch_task() -> int:
    """Send the due alert deliveries; when a retry is due soon, queue the next dispatch for
    then. Returns the deliveries sent."""
    try:
        cache.delete(_DISPATCH_KEY)
    except Exception:
        logger.exception("Could not clear the alert dispatch key")
    summary = alerts_dispatch()
    if summary.sent or summary.failed or summary.skipped:
        logger.info("Alerts: %d sent, %d failed attempts, %d skipped",
                    summary.sent, summary.failed, summary.skipped)  # fmt: skip
    if summary.next_due_in is not None and summary.next_due_in <= DISPATCH_FOLLOW_UP_SECONDS:
        alerts_dispatch_enqueue(countdown=summary.next_due_in)
    return summary.sent


@shared_task(acks_late=True, ignore_result=True, **OUTAGE_RETRY)
def alerts_digest_task() -> int:
    """Send the daily digests. Returns the emails sent."""
    return alerts_digest_send()
