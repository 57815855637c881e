"""One bad record stops only its own jurisdiction: the job, the national recompute and the
sweep go on with every other one (PostgreSQL, Redis and a real worker)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.db import connection
from django.utils import timezone

from compliance.choices import ActionEffect
from compliance.selectors.data_report import data_report_read
from compliance.selectors.stale import failure_backoff, jurisdiction_ids_due
from compliance.services.recompute import risk_assessments_record_many
from grants.models import GrantProgram
from jurisdictions.models import Jurisdiction
from tests.factories import FederalActionFactory, GrantProgramFactory
from tests.helpers import exposed_city, settled, wait_for

pytestmark = [
    pytest.mark.pipeline,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgres", "redis_url"),
]

CONSTRAINT = "grants_grantaward_amount_range"
POISON_USD = 5 * 10**18  # fits a bigint alone; two of them overflow any sum


@pytest.fixture
def poisoned() -> Iterator[list[Jurisdiction]]:
    """Five exposed cities; the second holds two awards far out of range, written past the
    validation and the check constraint (as a restored dump or a hand-run SQL could)."""
    year = timezone.localdate().year
    cities = [exposed_city(fiscal_years=(year,)) for _ in range(5)]
    other = GrantProgramFactory(aln="16.710", conditions_attach=True)
    jag = GrantProgram.objects.get(aln="16.738")
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE grants_grantaward DROP CONSTRAINT {CONSTRAINT}")
    try:
        with connection.cursor() as cursor:
            for program in (jag, other):
                cursor.execute(
                    "INSERT INTO grants_grantaward (jurisdiction_id, program_id, program_label, "
                    "fiscal_year, amount_usd, figure_kind, approximate, published_on, "
                    "published_on_precision, award_id, notes, source_url, created_at, "
                    "updated_at) VALUES (%s, %s, %s, %s, %s, 'award', false, NULL, '', '', '', "
                    "'https://example.org/poison', now(), now())",
                    [cities[1].pk, program.pk, f"poison {program.aln}", year, POISON_USD],
                )
        yield cities
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM grants_grantaward WHERE amount_usd > %s", [10**12])
            cursor.execute(
                f"ALTER TABLE grants_grantaward ADD CONSTRAINT {CONSTRAINT} "
                "CHECK (amount_usd >= 0 AND amount_usd <= 1000000000000)"
            )


def _row(city: Jurisdiction) -> Jurisdiction:
    return Jurisdiction.objects.get(pk=city.pk)


def test_a_poison_record_stops_only_its_own_jurisdiction(worker, poisoned) -> None:
    cities = poisoned
    healthy = [c for c in cities if c.pk != cities[1].pk]
    # One action reaching all five: one job with every id, the poisoned one second.
    FederalActionFactory(
        targets=cities, programs=list(GrantProgram.objects.all()),
        effect=ActionEffect.WITHHOLDING, issued_on=dt.date(2025, 3, 1),
    )  # fmt: skip
    for city in healthy:
        wait_for(settled(city), what=f"{city} recomputed despite the poisoned one")
    bad = wait_for(lambda: (row := _row(cities[1])).risk_failures and row, what="the failure noted")
    assert bad.risk_stale is True
    assert "out of range" in bad.risk_error
    for city in healthy:
        row = _row(city)
        assert row.funding_at_risk_usd > 0
        assert row.risk_failures == 0

    # The data report names it, with the error.
    report = data_report_read(limit=None)
    assert [r.id for r in report.failed_recomputes.rows] == [bad.pk]
    assert "out of range" in report.failed_recomputes.rows[0].error

    # The sweep leaves it alone during its backoff, and tries it again after.
    ids = [c.pk for c in cities]
    assert bad.pk not in jurisdiction_ids_due(jurisdiction_ids=ids)
    later = timezone.now() + failure_backoff(bad.risk_failures) + dt.timedelta(seconds=1)
    assert bad.pk in jurisdiction_ids_due(jurisdiction_ids=ids, now=later)


def test_the_national_recompute_goes_on_past_a_poison_record(poisoned) -> None:
    cities = poisoned
    Jurisdiction.objects.update(risk_stale=True)
    summary = risk_assessments_record_many()
    assert summary.failed == 1
    assert summary.computed == Jurisdiction.objects.count() - 1
    assert _row(cities[1]).risk_stale
    assert _row(cities[1]).risk_failures == 1
    assert all(not _row(c).risk_stale for c in cities if c.pk != cities[1].pk)

    # Once the record is put right, the next recompute clears the failure.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM grants_grantaward WHERE amount_usd > %s", [10**12])
    Jurisdiction.objects.filter(pk=cities[1].pk).update(
        risk_generation=1 + _row(cities[1]).risk_generation
    )
    summary = risk_assessments_record_many(jurisdiction_ids=[cities[1].pk])
    assert summary.failed == 0
    fixed = _row(cities[1])
    assert (fixed.risk_stale, fixed.risk_failures, fixed.risk_error) == (False, 0, "")
