"""``?as_of=``: the detail answers with what was known and in force on that date."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import (
    FederalActionFactory,
    GrantAwardFactory,
    GrantProgramFactory,
    JurisdictionFactory,
    OfficialFactory,
    PolicyStanceFactory,
    StatementFactory,
)
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db

URL = "/api/v1/jurisdictions/gotham-ny/"


@pytest.fixture
def gotham():
    """A sanctuary city with $1M a year of Byrne JAG: a withholding on 2025-02-01, a defiant
    statement on 2025-03-01, then an injunction on 2025-04-01."""
    program = GrantProgramFactory(aln="16.738", name="Byrne JAG", conditions_attach=True)
    city = JurisdictionFactory(slug="gotham-ny", name="Gotham", state="NY")
    PolicyStanceFactory(jurisdiction=city, code="sanctuary", effective_from=dt.date(2014, 1, 1))
    for fiscal_year in (2024, 2025, 2026):
        GrantAwardFactory(
            jurisdiction=city, program=program, fiscal_year=fiscal_year, amount_usd=1_000_000
        )
    withholding = FederalActionFactory(
        kind="grant_condition", effect="withholding", issued_on=dt.date(2025, 2, 1),
        targets=[city], programs=[program], title="Conditions on Byrne JAG",
    )  # fmt: skip
    statement = StatementFactory(jurisdiction=city, said_on=dt.date(2025, 3, 1), position="defiant")
    injunction = FederalActionFactory(
        kind="court_ruling", effect="injunction", issued_on=dt.date(2025, 4, 1),
        targets=[city], programs=[program], title="Preliminary injunction",
    )  # fmt: skip
    return {"withholding": withholding, "statement": statement, "injunction": injunction}


def answer(client, as_of: str) -> dict:
    response = client.get(f"{URL}?as_of={as_of}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["as_of"] == as_of
    return body


def evidence(body: dict) -> set[tuple[str, int]]:
    return {(d["evidence_kind"], d["evidence_id"]) for d in body["drivers"]}


def test_nothing_at_risk_before_the_first_action(api_client, gotham):
    body = answer(api_client, "2025-01-15")
    assert body["exposure_usd"] == 1_000_000
    assert body["funding_at_risk_usd"] == 0
    assert body["risk_level"] == "none"
    assert ("action", gotham["withholding"].pk) not in evidence(body)


def test_a_defiant_statement_counts_only_from_the_day_it_was_said(api_client, gotham):
    before = answer(api_client, "2025-02-15")
    after = answer(api_client, "2025-03-15")
    statement = ("statement", gotham["statement"].pk)
    assert statement not in evidence(before)
    assert statement in evidence(after)
    assert after["funding_at_risk_usd"] > before["funding_at_risk_usd"] > 0
    assert after["risk_score"] > before["risk_score"]
    contribution = next(
        d for d in after["drivers"] if (d["evidence_kind"], d["evidence_id"]) == statement
    )
    assert contribution["contribution_usd"] > 0
    assert "2025-03-01" in contribution["sentence"]


def test_an_injunction_lowers_the_risk_from_its_date(api_client, gotham):
    before = answer(api_client, "2025-03-15")
    after = answer(api_client, "2025-04-15")
    injunction = ("injunction", gotham["injunction"].pk)
    assert injunction not in evidence(before)
    assert injunction in evidence(after)
    assert after["funding_at_risk_usd"] < before["funding_at_risk_usd"]
    assert after["funding_at_risk_usd"] == 0
    assert after["max_at_risk_usd"] <= after["exposure_usd"]
    breakdown = {p["aln"]: p for p in before["programs"]}
    assert breakdown["16.738"]["funding_at_risk_usd"] == before["funding_at_risk_usd"]


def test_stance_and_officials_are_those_of_the_date(api_client):
    city = JurisdictionFactory(slug="gotham-ny", stance="cooperative")
    PolicyStanceFactory(
        jurisdiction=city, code="sanctuary", effective_from=dt.date(2014, 1, 1),
        effective_to=dt.date(2024, 12, 31),
    )  # fmt: skip
    PolicyStanceFactory(jurisdiction=city, code="cooperative", effective_from=dt.date(2025, 1, 1))
    OfficialFactory(
        jurisdiction=city, name="Old Mayor", term_start=dt.date(2018, 1, 1),
        term_end=dt.date(2021, 12, 31),
    )  # fmt: skip
    OfficialFactory(jurisdiction=city, name="New Mayor", term_start=dt.date(2022, 1, 1))

    then = answer(api_client, "2020-06-01")
    assert then["stance"] == "sanctuary"
    assert then["stance_since"] == "2014-01-01"
    assert [o["name"] for o in then["officials"]] == ["Old Mayor"]
    assert [p["stance"] for p in then["stance_timeline"]] == ["sanctuary"]

    now = answer(api_client, "2025-06-01")
    assert now["stance"] == "cooperative"
    assert [o["name"] for o in now["officials"]] == ["New Mayor"]
    assert [p["stance"] for p in now["stance_timeline"]] == ["sanctuary", "cooperative"]


def test_as_of_query_count_does_not_grow_with_the_records(api_client, gotham):
    first = count_queries(lambda: api_client.get(f"{URL}?as_of=2025-03-15"))
    city = gotham["statement"].jurisdiction
    for n in range(30):
        StatementFactory(jurisdiction=city, said_on=dt.date(2025, 1, 1 + n % 28))
        OfficialFactory(jurisdiction=city, name=f"Deputy {n}", role="other")
    assert count_queries(lambda: api_client.get(f"{URL}?as_of=2025-03-15")) == first
