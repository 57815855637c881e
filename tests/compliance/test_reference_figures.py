"""The bundled reference data answers for past dates as the records stood then: actions count
while they were in effect, injunctions block only what they enjoined, figures count once
public, and the stored timeline agrees with the figure as of any date."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from compliance.models import FederalAction, RiskTimelinePoint
from compliance.selectors.figures import risk_assessment_compute
from compliance.services.recompute import risk_assessments_record_many
from grants.models import GrantAward
from jurisdictions.models import Jurisdiction

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reference():
    call_command("load_reference_data", stdout=StringIO())
    risk_assessments_record_many()
    return {j.slug: j for j in Jurisdiction.objects.all()}


def figures(jurisdiction: Jurisdiction, day: str):
    return risk_assessment_compute(
        jurisdiction_id=jurisdiction.pk, as_of=dt.date.fromisoformat(day)
    )


def raising(assessment) -> set[int]:
    return {
        d.evidence_id for d in assessment.drivers if d.evidence_kind == "action"
        and d.role == "raises"
    }  # fmt: skip


def action(title_start: str) -> FederalAction:
    return FederalAction.objects.get(title__startswith=title_start)


def test_chicago_in_august_2017_and_february_2025(reference):
    chicago = reference["chicago-il"]
    summer_2017 = figures(chicago, "2017-08-01")
    assert summer_2017.funding_at_risk_usd > 0
    assert action("FY2017 Byrne JAG immigration conditions").pk in raising(summer_2017)

    early_2025 = figures(chicago, "2025-02-15")
    assert early_2025.funding_at_risk_usd > 0
    assert {
        action("Executive Order 14159").pk,
        action("Sanctuary Jurisdiction Directives memorandum").pk,
    } <= raising(early_2025)
    later = figures(chicago, "2025-03-01")
    assert action("Executive Order 14218").pk in raising(later), "issued 2025-02-19"
    assert action("Executive Order 14218").pk not in raising(early_2025)


def test_an_injunction_on_byrne_jag_leaves_the_cops_threat_bearing(reference):
    chicago = reference["chicago-il"]
    assessment = figures(chicago, "2017-11-21")
    by_program = {p.aln: p for p in assessment.programs}
    assert by_program["16.710"].max_at_risk_usd > 0, "COPS is not covered by the injunction"
    assert action("FY2017 COPS priority points").pk in raising(assessment)
    injunction = action("City of Chicago v. Sessions: nationwide preliminary injunction")
    assert injunction.effect == "injunction"
    assert set(injunction.blocks.values_list("programs__aln", flat=True)) <= {"16.738", None}


def test_a_figure_published_later_is_not_used(reference):
    chicago = reference["chicago-il"]
    assessment = figures(chicago, "2018-01-24")
    jag = next(p for p in assessment.programs if p.aln == "16.738")
    assert jag.award_fiscal_year == 2017, "the FY2018 figure was not public in January 2018"
    assert GrantAward.objects.filter(
        jurisdiction=chicago, program__aln="16.738", fiscal_year=2018
    ).exists()


def test_the_stored_timeline_equals_the_figure_as_of_its_dates(reference):
    """For every jurisdiction with a timeline: each stored point, and a day inside each step,
    equal the figure computed as of that day."""
    checked = 0
    for jurisdiction in reference.values():
        points = list(RiskTimelinePoint.objects.filter(jurisdiction=jurisdiction).order_by("on"))
        for index, point in enumerate(points[::7]):
            day = point.on + dt.timedelta(days=index % 20)
            following = [p for p in points if p.on > point.on]
            if following and day >= following[0].on:
                day = point.on
            expected = risk_assessment_compute(jurisdiction_id=jurisdiction.pk, as_of=day)
            stored = (point.exposure_usd, point.max_at_risk_usd, point.funding_at_risk_usd,
                      point.score, point.level, point.stance, list(point.data_gaps))  # fmt: skip
            assert stored == (
                expected.exposure_usd, expected.max_at_risk_usd, expected.funding_at_risk_usd,
                expected.score, expected.level, expected.stance, list(expected.data_gaps),
            ), (jurisdiction.slug, day)  # fmt: skip
            checked += 1
    assert checked > 300


def test_header_facts_follow_one_rule(reference):
    chicago = Jurisdiction.objects.get(slug="chicago-il")
    assert (chicago.stance, str(chicago.stance_since)) == ("sanctuary", "1985-01-01")
    from jurisdictions.selectors import officials_by_term

    nyc = reference["new-york-city-ny"]
    current, former = officials_by_term(jurisdiction_id=nyc.pk, on=dt.date(2026, 12, 1))
    assert [o.role for o in current].count("mayor") == 1
    assert former, "earlier mayors are listed apart"
