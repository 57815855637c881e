"""A small, fully described city for the dashboard tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from compliance.choices import ActionEffect, StatementPosition
from jurisdictions.choices import JurisdictionKind, StanceCode
from tests.factories import (
    FederalActionFactory,
    GrantAwardFactory,
    GrantProgramFactory,
    JurisdictionFactory,
    OfficialFactory,
    PolicyStanceFactory,
    RiskAssessmentFactory,
    StatementFactory,
)


@dataclass
class City:
    jurisdiction: object
    stances: list
    official: object
    statements: list
    actions: dict
    assessments: list
    program: object


@pytest.fixture
def city(db) -> City:
    """Riverton, CA: cooperative until 2017, sanctuary since; two statements, a listed DOJ
    letter, an action aimed at every sanctuary jurisdiction, and two recorded assessments."""
    j = JurisdictionFactory(
        name="Riverton",
        slug="riverton-ca",
        state="CA",
        kind=JurisdictionKind.CITY,
        population=456_789,
        population_year=2022,
        stance=StanceCode.SANCTUARY,
        stance_since=dt.date(2017, 6, 1),
        exposure_usd=2_500_000,
        max_at_risk_usd=1_500_000,
        funding_at_risk_usd=987_654,
        risk_score=61,
        risk_level="high",
        risk_stale=False,
        risk_computed_at=dt.datetime(2025, 4, 2, 9, 30, tzinfo=dt.UTC),
    )
    stances = [
        PolicyStanceFactory(
            jurisdiction=j,
            code=StanceCode.COOPERATIVE,
            effective_from=dt.date(2010, 1, 1),
            effective_to=dt.date(2017, 5, 31),
            description="No formal policy",
        ),
        PolicyStanceFactory(
            jurisdiction=j,
            code=StanceCode.SANCTUARY,
            effective_from=dt.date(2017, 6, 1),
            description="Ordinance 17-44 limits detainer compliance",
        ),
    ]
    program = GrantProgramFactory(aln="16.738", name="Byrne JAG", short_name="Byrne JAG")
    GrantAwardFactory(jurisdiction=j, program=program, fiscal_year=2024, amount_usd=2_500_000)
    official = OfficialFactory(jurisdiction=j, name="Dana Reyes", title="Mayor of Riverton")
    statements = [
        StatementFactory(
            jurisdiction=j,
            official=official,
            speaker="Dana Reyes",
            said_on=dt.date(2024, 1, 10),
            quote="Our police will not hold people for civil detainers.",
            position=StatementPosition.DEFIANT,
            source_url="https://news.example.org/reyes-jan",
        ),
        StatementFactory(
            jurisdiction=j,
            speaker="Police Chief Lee",
            speaker_role="police chief",
            said_on=dt.date(2025, 2, 20),
            quote="We follow the ordinance and the law.",
            position=StatementPosition.NEUTRAL,
            source_url="https://news.example.org/lee-feb",
        ),
    ]
    listed = FederalActionFactory(
        title="Letter to Riverton on 8 U.S.C. 1373",
        issued_on=dt.date(2025, 1, 15),
        effect=ActionEffect.THREAT,
        targets=[j],
        programs=[program],
        source_url="https://www.justice.gov/example/riverton-letter",
    )
    all_sanctuary = FederalActionFactory(
        title="Order on sanctuary jurisdictions",
        issued_on=dt.date(2025, 1, 25),
        kind="executive_order",
        issuing_body="The White House",
        effect=ActionEffect.CONDITION,
        targets_all_sanctuary=True,
        covers_all_programs=True,
        source_url="https://www.whitehouse.gov/example/order",
    )
    other = JurisdictionFactory(name="Elsewhere", slug="elsewhere-tx", state="TX")
    unrelated = FederalActionFactory(
        title="Letter to Elsewhere",
        issued_on=dt.date(2025, 1, 20),
        targets=[other],
    )
    assessments = [
        RiskAssessmentFactory(
            jurisdiction=j,
            computed_at=dt.datetime(2025, 1, 16, 8, tzinfo=dt.UTC),
            as_of=dt.date(2025, 1, 16),
            funding_at_risk_usd=400_000,
            max_at_risk_usd=900_000,
            exposure_usd=2_500_000,
            score=35,
            level="elevated",
        ),
        RiskAssessmentFactory(
            jurisdiction=j,
            computed_at=dt.datetime(2025, 4, 2, 9, 30, tzinfo=dt.UTC),
            as_of=dt.date(2025, 4, 2),
            funding_at_risk_usd=987_654,
            max_at_risk_usd=1_500_000,
            exposure_usd=2_500_000,
            score=61,
            level="high",
            method_version="2025.1",
            programs=[
                {
                    "aln": "16.738",
                    "name": "Byrne JAG",
                    "exposure_usd": 2_500_000,
                    "max_at_risk_usd": 1_500_000,
                    "funding_at_risk_usd": 987_654,
                    "award_fiscal_year": 2024,
                },
            ],
            drivers=[
                {
                    "evidence_kind": "action",
                    "evidence_id": listed.pk,
                    "contribution_usd": 600_000,
                    "contribution_score": 20.0,
                    "sentence": "The DOJ letter of January 15, 2025 threatens Byrne JAG.",
                },
                {
                    "evidence_kind": "statement",
                    "evidence_id": statements[0].pk,
                    "contribution_usd": 0,
                    "contribution_score": 6.0,
                    "sentence": "The mayor's defiant statement of January 10, 2024 raises risk.",
                },
                {
                    "evidence_kind": "stance",
                    "evidence_id": stances[1].pk,
                    "contribution_usd": 0,
                    "contribution_score": 30.0,
                    "sentence": "Riverton's stance is sanctuary since June 1, 2017.",
                },
            ],
        ),
    ]
    # Saving statements and actions marks the city stale; the recorded figures are current.
    type(j).objects.filter(pk=j.pk).update(risk_stale=False)
    j.refresh_from_db()
    return City(
        jurisdiction=j,
        stances=stances,
        official=official,
        statements=statements,
        actions={"listed": listed, "all_sanctuary": all_sanctuary, "unrelated": unrelated},
        assessments=assessments,
        program=program,
    )
