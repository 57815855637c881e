"""Timelines kept current by the pipeline (PostgreSQL, Redis and a real Celery worker): a
change recomputes a timeline from the change's date on and leaves earlier points as they were.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from compliance.choices import ActionEffect
from compliance.models import FederalAction, RiskTimelinePoint
from compliance.risk.timeline import timeline
from compliance.selectors.inputs import risk_inputs_for_many
from compliance.services.records import federal_action_statuses_set
from jurisdictions.models import Jurisdiction
from tests.factories import StatementFactory
from tests.helpers import exposed_city, settled, wait_for

pytestmark = [
    pytest.mark.pipeline,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgres", "redis_url"),
]

FIELDS = ("pk", "on", "exposure_usd", "max_at_risk_usd", "funding_at_risk_usd", "score", "level")


def stored(city: Jurisdiction) -> list[tuple]:
    return list(
        RiskTimelinePoint.objects.filter(jurisdiction=city).order_by("on").values_list(*FIELDS)
    )


def assert_stored_equals_a_fresh_timeline(city: Jurisdiction) -> None:
    inputs = risk_inputs_for_many(jurisdiction_ids=[city.pk], as_of=None)[city.pk]
    fresh = [
        (p.on, p.assessment.exposure_usd, p.assessment.max_at_risk_usd,
         p.assessment.funding_at_risk_usd, p.assessment.score, p.assessment.level)
        for p in timeline(inputs, last=timezone.localdate())
    ]  # fmt: skip
    assert [row[1:] for row in stored(city)] == fresh


def wait_settled_after(city: Jurisdiction, generation: int, what: str) -> None:
    def done() -> bool:
        moved = Jurisdiction.objects.get(pk=city.pk).risk_generation > generation
        return moved and settled(city)() is not None

    wait_for(done, what=what)


def test_a_statement_changes_the_timeline_from_its_date_on(worker) -> None:
    city = exposed_city(fiscal_years=(2023, 2024, 2025))
    wait_for(settled(city), what="the first timeline")
    before = stored(city)
    assert [p[1] for p in before][:2] == [dt.date(2014, 1, 1), dt.date(2022, 10, 1)], (
        "from the stance's start; the FY2023 award counts from 1 October 2022"
    )
    said_on = dt.date(2025, 3, 10)
    generation = Jurisdiction.objects.get(pk=city.pk).risk_generation

    StatementFactory(jurisdiction=city, said_on=said_on, position="defiant")

    wait_settled_after(city, generation, "the timeline after the statement")
    after = stored(city)
    assert [p for p in after if p[1] < said_on] == [p for p in before if p[1] < said_on], (
        "earlier points are neither changed nor rewritten (same ids)"
    )
    on_the_day = next(p for p in after if p[1] == said_on)
    in_force_before = [p for p in before if p[1] <= said_on][-1]
    assert on_the_day[4] > in_force_before[4], "a defiant statement raises the figure from D on"
    event = RiskTimelinePoint.objects.get(jurisdiction=city, on=said_on).events
    assert [e["type"] for e in event] == ["statement"]
    assert_stored_equals_a_fresh_timeline(city)


def test_a_status_change_changes_the_timeline_from_its_date(worker) -> None:
    city = exposed_city(fiscal_years=(2023, 2024, 2025))
    wait_for(settled(city), what="the first timeline")
    before = stored(city)
    action = FederalAction.objects.get(targets=city, effect=ActionEffect.WITHHOLDING)
    enjoined_on = dt.date(2025, 6, 1)
    assert [p for p in before if p[1] <= enjoined_on][-1][4] > 0
    generation = Jurisdiction.objects.get(pk=city.pk).risk_generation

    federal_action_statuses_set(
        action=action,
        changes=[{"status": "enjoined", "effective_from": enjoined_on,
                  "source_url": "https://example.org/court/order"}],
    )  # fmt: skip

    wait_settled_after(city, generation, "the timeline after the status change")
    after = stored(city)
    assert [p for p in after if p[1] < enjoined_on] == [p for p in before if p[1] < enjoined_on]
    assert next(p for p in after if p[1] >= enjoined_on)[4] == 0, "nothing bears once enjoined"
    assert_stored_equals_a_fresh_timeline(city)
