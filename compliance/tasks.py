"""Celery tasks: thin wrappers that take ids and call services."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from .selectors import jurisdiction_ids_stale
from .services import (
    risk_assessment_record,
    risk_assessments_record_many,
    risk_queue_keys_clear,
    risk_recompute_enqueue,
)

logger = logging.getLogger(__name__)

# Stale ids one sweep re-queues before it hands over to the next sweep.
SWEEP_BATCH_SIZE = 5_000


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
    ignore_result=True,
)
def recompute_jurisdictions_task(self, jurisdiction_ids: list[int]) -> None:
    """Recompute and record each jurisdiction; safe to run twice or concurrently.

    The coalescing keys go first, before any data is read, so a save from now on queues
    one follow-up job instead of being absorbed by this one.
    """
    risk_queue_keys_clear(jurisdiction_ids=jurisdiction_ids)
    for jurisdiction_id in jurisdiction_ids:
        risk_assessment_record(jurisdiction_id=jurisdiction_id)


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
    ignore_result=True,
)
def refresh_all_jurisdictions_task() -> int:
    """Recompute every jurisdiction as of today (set-based, a few seconds nationally).

    Figures depend on the date even when no record changes (statements lose weight with age,
    fiscal years turn), so beat runs this once a day; unchanged results write no history.
    """
    summary = risk_assessments_record_many()
    logger.info(
        "Daily refresh: %d jurisdictions in %.1f s, %d new history rows",
        summary.computed, summary.seconds, summary.history_rows,
    )  # fmt: skip
    return summary.computed


@shared_task(ignore_result=True, acks_late=True)
def sweep_stale_jurisdictions_task(after_id: int = 0) -> int:
    """Re-queue one batch of jurisdictions stale for longer than the grace period, then hand
    over to the next sweep when the batch was full. Returns the number of ids re-queued."""
    cutoff = timezone.now() - timedelta(seconds=settings.RISK_SWEEP_GRACE_SECONDS)
    ids = jurisdiction_ids_stale(older_than=cutoff, after_id=after_id, limit=SWEEP_BATCH_SIZE)
    if not ids:
        return 0
    queued = risk_recompute_enqueue(jurisdiction_ids=ids)
    logger.info("Sweep re-queued %d of %d stale jurisdictions", queued, len(ids))
    if len(ids) == SWEEP_BATCH_SIZE:
        sweep_stale_jurisdictions_task.apply_async(kwargs={"after_id": ids[-1]})
    return queued
