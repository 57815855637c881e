"""The row-level step of marking jurisdictions stale (no queueing: see ``stale``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import connection
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from compliance.core.dates import EARLIEST
from jurisdictions.models import Jurisdiction

_LOCK_SQL = (
    "SELECT id FROM jurisdictions_jurisdiction WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE"
)


def jurisdiction_rows_lock(*, jurisdiction_ids: Sequence[int]) -> None:
    """Lock the rows in id order until the transaction ends. Every writer locks this way, so
    two never wait on each other in a circle; ``NO KEY UPDATE`` leaves inserts of rows that
    refer to a jurisdiction (statements, assessments) free to go on."""
    if connection.vendor == "postgresql" and jurisdiction_ids:
        with connection.cursor() as cursor:
            cursor.execute(_LOCK_SQL, [sorted(jurisdiction_ids)])


def jurisdiction_rows_mark(
    *, jurisdiction_ids: Sequence[int], since: date | None = None, locked: bool = False
) -> int:
    """Lock (unless the caller already holds the locks), then mark stale in one UPDATE: bump
    the generation, keep the moment the figures first went stale, and move the timeline's
    stale start back to ``since`` (to its beginning when not given). Returns the number of
    rows marked."""
    ids = sorted(set(jurisdiction_ids))
    if not ids:
        return 0
    if not locked:
        jurisdiction_rows_lock(jurisdiction_ids=ids)
    start = Value(since or EARLIEST)
    return Jurisdiction.objects.filter(pk__in=ids).update(
        risk_stale=True,
        risk_generation=F("risk_generation") + 1,
        risk_stale_since=Coalesce(F("risk_stale_since"), Value(timezone.now())),
        timeline_stale_from=Least(Coalesce(F("timeline_stale_from"), start), start),
    )
