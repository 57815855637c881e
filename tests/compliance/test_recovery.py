"""Recovery after a killed worker: one sweep brings every figure back, whatever the lost job's
coalescing keys and the broker's visibility timeout say (PostgreSQL, Redis, real workers)."""

from __future__ import annotations

import time

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from compliance.tasks import sweep_stale_jurisdictions_task
from jurisdictions.models import Jurisdiction
from tests.helpers import exposed_city, settled, wait_for

pytestmark = [
    pytest.mark.pipeline,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgres", "redis_url"),
]


@pytest.fixture
def forget_unacked():
    """Drop the killed worker's unacknowledged message at the end, so no later test's worker
    gets it back when the (production-length) visibility timeout runs out."""
    yield
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete("unacked", "unacked_index")


def test_after_a_worker_is_killed_one_sweep_brings_every_figure_back(
    start_worker, forget_unacked
) -> None:
    # The production visibility timeout: the lost job would come back only after it.
    slow = start_worker(RISK_TEST_SLEEP_SECONDS="60")
    year = timezone.localdate().year
    cities = [exposed_city(fiscal_years=(year,)) for _ in range(4)]
    wait_for(
        lambda: "Recompute paused" in slow.log.read_text(errors="replace"),
        what="the first recompute to start",
    )
    slow.kill()
    waiting = [c for c in cities if cache.get(f"risk:q:{c.pk}") is not None]
    assert waiting, "the lost job's coalescing keys should still be there"

    back = time.monotonic()
    start_worker(RISK_SWEEP_GRACE_SECONDS="1")
    time.sleep(1.2)  # past the grace period
    sweep_stale_jurisdictions_task.delay()
    for city in cities:
        wait_for(settled(city), timeout=30, what=f"{city} after one sweep")
    elapsed = time.monotonic() - back
    print(f"\nall {len(cities)} fresh {elapsed:.1f} s after the worker came back (one sweep)")
    assert not Jurisdiction.objects.filter(pk__in=[c.pk for c in cities], risk_stale=True).exists()
