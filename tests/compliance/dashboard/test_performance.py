"""The national page's query budget, and its server time at national scale.

The national page reads only the denormalised ``Jurisdiction.risk_*`` columns, so a table of
jurisdictions with realistic figures is all it needs; these tests build one with
``bulk_create`` (no signals, no recompute). The national-scale timing is marked
``benchmark_national`` (about 22,700 rows; run it with ``-m benchmark_national``).
"""

from __future__ import annotations

import random
import statistics
import time

import pytest
from django.db import connection

from jurisdictions.choices import US_STATES, RiskLevel
from jurisdictions.models import Jurisdiction
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db

QUERY_CEILING = 12
NATIONAL_COUNTS = {"state": 51, "county": 3_143, "city": 19_506}  # ~22,700, like the Census
QUERIES = [
    "/",
    "/?state=CA",
    "/?kind=city&stance=sanctuary&ordering=-population",
    "/?risk_level=high&ordering=name&page=3",
    "/?q=ville&ordering=-risk_score",
]


def build_jurisdictions(counts: dict[str, int], *, seed: int = 7, start: int = 0) -> int:
    """Insert states, counties and cities with plausible risk figures; returns the total."""
    rng = random.Random(seed)
    states = [code for code in US_STATES if code != "PR"]
    rows = []
    for kind, count in counts.items():
        for n in range(start, start + count):
            state = states[n % len(states)]
            if kind == "state":
                fips = f"{n + 1:02d}"
            elif kind == "county":
                fips = f"{(n % 56) + 1:02d}{n // 56:03d}"
            else:
                fips = f"{(n % 56) + 1:02d}{n // 56:05d}"
            stance = rng.choices(
                ["sanctuary", "partial", "unknown", "cooperative", "enforcing"],
                weights=[3, 3, 80, 10, 4],
            )[0]
            exposure = rng.choice([0, 0, rng.randrange(10_000, 50_000_000)])
            max_at_risk = exposure * rng.randrange(0, 101) // 100
            at_risk = max_at_risk * rng.randrange(0, 101) // 100
            score = min(
                100, at_risk * 100 // max(exposure, 1) + (40 if stance == "sanctuary" else 0)
            )
            rows.append(
                Jurisdiction(
                    slug=f"{kind}-{n}-{state.lower()}",
                    name=f"{rng.choice(['North', 'South', 'East', 'West', 'Lake', 'Port'])}"
                    f"{rng.choice(['ville', 'ton', ' Springs', ' Falls', 'burg'])} {n}",
                    kind=kind,
                    state=state,
                    fips=fips,
                    ocd_id=f"ocd-division/country:us/state:{state.lower()}/{kind}:x{n}",
                    population=rng.choice([None, rng.randrange(100, 9_000_000)]),
                    population_year=2022,
                    stance=stance,
                    exposure_usd=exposure,
                    max_at_risk_usd=max_at_risk,
                    funding_at_risk_usd=at_risk,
                    risk_score=score,
                    risk_level=RiskLevel.values[min(4, score // 20)],
                    risk_stale=rng.random() < 0.01,
                )
            )
    Jurisdiction.objects.bulk_create(rows, batch_size=2_000)
    return len(rows)


@pytest.mark.parametrize("query", QUERIES)
def test_national_page_query_budget_at_500_jurisdictions(
    client, query, django_assert_max_num_queries
):
    build_jurisdictions({"state": 51, "county": 150, "city": 299})
    with django_assert_max_num_queries(QUERY_CEILING):
        response = client.get(query)
    assert response.status_code == 200
    assert response.context["totals"]["count"] >= response.context["page"].paginator.count


def test_national_page_query_count_does_not_grow_with_rows(client):
    build_jurisdictions({"state": 51, "county": 10, "city": 10}, seed=1)
    small = count_queries(lambda: client.get("/?ordering=name"))
    build_jurisdictions({"county": 200, "city": 400}, seed=2, start=10)
    large = count_queries(lambda: client.get("/?ordering=name"))
    assert large == small <= QUERY_CEILING


@pytest.mark.benchmark_national
def test_national_page_median_server_time_at_national_scale(client):
    """Median in-process time of ``/`` over 20 requests at ~22,700 jurisdictions."""
    total = build_jurisdictions(NATIONAL_COUNTS)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE jurisdictions_jurisdiction")
    for query in QUERIES:  # warm up templates, plans and caches
        assert client.get(query).status_code == 200
    timings = {}
    for query in QUERIES[:2]:
        samples = []
        for _ in range(20):
            start = time.perf_counter()
            response = client.get(query)
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        timings[query] = statistics.median(samples)
    print(f"\n{total} jurisdictions; median server time (ms): {timings}")
    assert timings["/"] < 100, timings
