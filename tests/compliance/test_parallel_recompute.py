"""The national recompute split over forked processes gives what one process gives."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from compliance.models import RiskAssessment
from compliance.selectors.figures import risk_assessment_compute
from compliance.services.recompute import (
    risk_assessments_record_many,
    risk_assessments_record_parallel,
    risk_fingerprint,
)
from jurisdictions.models import Jurisdiction
from tests.factories import StatementFactory
from tests.helpers import exposed_city

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgres"),
]

FIGURES = ("exposure_usd", "max_at_risk_usd", "funding_at_risk_usd", "risk_score", "risk_level")


TODAY = dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC)


@time_machine.travel(TODAY, tick=False)
def test_parallel_recompute_matches_one_process() -> None:
    cities = [exposed_city() for _ in range(6)]
    for index, city in enumerate(cities):
        StatementFactory.create_batch(index, jurisdiction=city, said_on=dt.date(2025, 5, 1))
    ids = [city.pk for city in cities]

    summary = risk_assessments_record_parallel(jurisdiction_ids=ids, processes=3, min_per_process=1)
    assert (summary.computed, summary.history_rows) == (6, 6)
    parallel = {j.pk: tuple(getattr(j, f) for f in FIGURES) for j in Jurisdiction.objects.all()}
    assert not Jurisdiction.objects.filter(risk_stale=True).exists()
    for city in cities:
        latest = RiskAssessment.objects.get(jurisdiction=city)
        expected = risk_assessment_compute(jurisdiction_id=city.pk, as_of=TODAY.date())
        assert latest.fingerprint == risk_fingerprint(assessment=expected)

    # One process over the same rows: nothing changes, nothing new is written.
    again = risk_assessments_record_many(jurisdiction_ids=ids)
    assert again.history_rows == 0
    assert parallel == {
        j.pk: tuple(getattr(j, f) for f in FIGURES) for j in Jurisdiction.objects.all()
    }
    assert len({figures[2] for figures in parallel.values()}) > 1  # the cities differ


def test_small_runs_stay_in_one_process() -> None:
    city = exposed_city()
    summary = risk_assessments_record_parallel(jurisdiction_ids=[city.pk], processes=4)
    assert summary.computed == 1
    assert RiskAssessment.objects.filter(jurisdiction=city).count() == 1
