"""In-process timings of the jurisdictions list on the national synthetic dataset.

Targets (median): a 100-row page, filtered and ordered by funding at risk, in at most 10 ms;
the same with all four facets in at most 25 ms; a constant number of queries.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import pytest
from django.test import override_settings
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from jurisdictions.models import Jurisdiction
from tests.helpers import count_queries

pytestmark = [pytest.mark.benchmark_national, pytest.mark.django_db]

NATIONAL_MINIMUM = 20_000
ROUNDS = 60
PAGE = "/api/v1/jurisdictions/?stance=sanctuary&ordering=-funding_at_risk_usd&page_size=100"
# The broadest filter: cities are ~86% of all rows, so counting them costs the most.
BROAD_PAGE = "/api/v1/jurisdictions/?kind=city&ordering=-funding_at_risk_usd&page_size=100"
FACETS = "&facets=stance,state,kind,risk_level"


@pytest.fixture
def client() -> APIClient:
    if Jurisdiction.objects.count() < NATIONAL_MINIMUM:
        pytest.skip(
            "SKIPPED: needs the national synthetic dataset in DATABASE_URL "
            "(manage.py generate_synthetic_data); run tests/benchmarks/api on its own."
        )
    with override_settings(
        REST_FRAMEWORK={
            **api_settings.user_settings,
            "DEFAULT_THROTTLE_RATES": {"anon": "1000000/minute", "user": "1000000/minute"},
        }
    ):
        yield APIClient()


def median_ms(call: Callable[[], object], rounds: int = ROUNDS) -> float:
    for _ in range(5):
        call()
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def test_filtered_ranked_page_in_10_ms(client):
    response = client.get(PAGE)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 100
    assert count_queries(lambda: client.get(PAGE)) == 2
    median = median_ms(lambda: client.get(PAGE))
    print(f"\njurisdictions list, 100 rows, stance=sanctuary, by funding: {median:.2f} ms median")
    assert median <= 10


def test_broadest_filter_reported(client):
    median = median_ms(lambda: client.get(BROAD_PAGE))
    facets = median_ms(lambda: client.get(BROAD_PAGE + FACETS))
    print(f"\njurisdictions list, kind=city: {median:.2f} ms; with facets {facets:.2f} ms median")
    assert median <= 25
    assert facets <= 50


def test_filtered_ranked_page_with_facets_in_25_ms(client):
    url = PAGE + FACETS
    body = client.get(url).json()
    assert set(body["facets"]) == {"stance", "state", "kind", "risk_level"}
    assert count_queries(lambda: client.get(url)) == 3
    median = median_ms(lambda: client.get(url))
    print(f"\njurisdictions list with four facets: {median:.2f} ms median")
    assert median <= 25
