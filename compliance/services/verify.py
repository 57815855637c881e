"""The consistency check: every stored figure and explanation against a fresh computation.

A jurisdiction that is not stale must hold what the engine computes from today's records as
of the date of its last recompute (``risk_computed_at``; a recompute that changed nothing
still sets it, and the latest assessment is then the result on that date). Any difference
means a change reached it without marking it: the check marks it stale and logs the difference
as a defect; the caller queues the recompute of the ids it returns (the sweep would as well).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from compliance.risk import assess
from compliance.selectors.inputs import risk_inputs_for_many
from jurisdictions.models import Jurisdiction

from .marks import jurisdiction_rows_mark
from .persist import fingerprints_latest, gaps_text
from .recompute import risk_fingerprint

logger = logging.getLogger(__name__)

BATCH_SIZE = 2_000


@dataclass(slots=True)
class VerifySummary:
    """What a check found: ``differing`` maps each jurisdiction id to what differed."""

    checked: int = 0
    differing: dict[int, str] = field(default_factory=dict)
    seconds: float = 0.0


def risk_verify(
    *, jurisdiction_ids: Sequence[int] | None = None, batch_size: int = BATCH_SIZE
) -> VerifySummary:
    """Compare every fresh jurisdiction (or those given) with a fresh computation; mark the
    ones that differ stale and log each as a defect. Jurisdictions changed while the check
    runs are left to their own recompute."""
    started = time.perf_counter()
    summary = VerifySummary()
    rows = Jurisdiction.objects.filter(risk_stale=False, risk_computed_at__isnull=False)
    if jurisdiction_ids is not None:
        rows = rows.filter(pk__in=list(jurisdiction_ids))
    columns = (
        "pk", "risk_generation", "risk_computed_at", "exposure_usd", "max_at_risk_usd",
        "funding_at_risk_usd", "risk_score", "risk_level", "data_gaps",
    )  # fmt: skip
    stored = {row[0]: row[1:] for row in rows.order_by("pk").values_list(*columns)}
    ids = sorted(stored)
    for offset in range(0, len(ids), batch_size):
        chunk = ids[offset : offset + batch_size]
        latest = fingerprints_latest(chunk)
        by_day: dict[date, list[int]] = defaultdict(list)
        for pk in chunk:
            by_day[stored[pk][1].date()].append(pk)
        found: dict[int, str] = {}
        for day, day_ids in sorted(by_day.items()):
            inputs = risk_inputs_for_many(jurisdiction_ids=day_ids, as_of=day)
            for pk in day_ids:
                if pk not in inputs:
                    continue
                fresh = assess(inputs[pk], as_of=day)
                summary.checked += 1
                _, _, exposure, max_at_risk, funding, score, level, gaps = stored[pk]
                figures = (exposure, max_at_risk, funding, score, level, gaps)
                expected = (
                    fresh.exposure_usd, fresh.max_at_risk_usd, fresh.funding_at_risk_usd,
                    fresh.score, fresh.level, gaps_text(fresh.data_gaps),
                )  # fmt: skip
                if figures != expected:
                    found[pk] = f"figures {figures} where a fresh computation gives {expected}"
                elif latest.get(pk) != risk_fingerprint(assessment=fresh):
                    found[pk] = "the latest assessment (explanation) differs from a fresh one"
        if not found:
            continue
        # A change committed during the check bumped the generation and queued its own
        # recompute: only differences on unchanged rows are defects.
        still = set(
            Jurisdiction.objects.filter(pk__in=list(found), risk_stale=False).values_list(
                "pk", "risk_generation"
            )
        )
        defects = {pk: why for pk, why in found.items() if (pk, stored[pk][0]) in still}
        for pk, why in defects.items():
            logger.error(
                "Defect: jurisdiction %s was not marked stale although its figures are out of "
                "date (%s); marked stale now", pk, why,
            )  # fmt: skip
        jurisdiction_rows_mark(jurisdiction_ids=list(defects))
        summary.differing.update(defects)
    summary.seconds = time.perf_counter() - started
    return summary
