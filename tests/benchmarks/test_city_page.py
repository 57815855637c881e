"""The city page and the timeline endpoints on the reference data (figures in
docs/performance.md). Targets: the city page with its timeline in at most 100 ms (median) and
12 queries; one jurisdiction's timeline recomputed from the reference data in at most 50 ms.

Timed targets depend on the machine's load, so they run on their own, on a quiet machine:

    pytest tests/benchmarks/test_city_page.py -m benchmark_timed -s

The query ceiling of the city page is pinned in every run (tests/compliance/dashboard).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from compliance.risk.timeline import timeline
from compliance.selectors.inputs import risk_inputs_for_many
from compliance.services.recompute import risk_assessments_record_many
from jurisdictions.models import Jurisdiction
from tests.helpers import count_queries

pytestmark = [
    pytest.mark.benchmark_timed,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgres"),
]

ROUNDS = 30
CITY_PAGE = "/jurisdictions/chicago-il/"


def median_ms(call: Callable[[], object], rounds: int = ROUNDS) -> float:
    for _ in range(3):
        call()
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


@pytest.fixture
def reference() -> Jurisdiction:
    call_command("load_reference_data", stdout=StringIO())
    risk_assessments_record_many()
    return Jurisdiction.objects.get(slug="chicago-il")


def test_city_page_with_its_timeline(reference) -> None:
    client = Client()
    assert client.get(CITY_PAGE).status_code == 200
    queries = count_queries(lambda: client.get(CITY_PAGE))
    page = median_ms(lambda: client.get(CITY_PAGE))
    api = median_ms(lambda: client.get("/api/v1/jurisdictions/chicago-il/timeline/"))
    national = median_ms(lambda: client.get("/api/v1/timeline/"))
    print(
        f"\ncity page: {page:.1f} ms median, {queries} queries; timeline API {api:.1f} ms; "
        f"national timeline API {national:.1f} ms (reference data)"
    )
    assert queries <= 12
    assert page <= 100


def test_one_timeline_recomputed(reference) -> None:
    inputs = risk_inputs_for_many(jurisdiction_ids=[reference.pk], as_of=None)[reference.pk]
    last = Jurisdiction.objects.get(pk=reference.pk).risk_computed_at.date()
    took = median_ms(lambda: timeline(inputs, last=last), rounds=20)
    print(f"\nChicago's whole timeline recomputed: {took:.1f} ms median")
    assert took <= 50
