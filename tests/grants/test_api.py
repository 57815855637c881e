"""``/api/v1/grant-programs/`` and ``/api/v1/grant-awards/``: read-only, filtered."""

from __future__ import annotations

import pytest

from tests.factories import GrantAwardFactory, GrantProgramFactory, JurisdictionFactory
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db

PROGRAM_FIELDS = [
    "aln", "name", "short_name", "agency", "sub_agency", "funding_type", "conditions_attach",
    "immigration_conditions", "conditions_source_url", "source_url", "created_at", "updated_at",
]  # fmt: skip
AWARD_FIELDS = [
    "id", "jurisdiction", "program", "program_label", "fiscal_year", "amount_usd",
    "figure_kind", "approximate", "published_on", "published_on_precision", "award_id",
    "shares", "source_url", "created_at", "updated_at",
]  # fmt: skip


def test_programs_by_assistance_listing_number(api_client):
    GrantProgramFactory(aln="16.738", name="Byrne JAG", conditions_attach=True)
    GrantProgramFactory(aln="16.710", name="COPS", conditions_attach=False)
    body = api_client.get("/api/v1/grant-programs/").json()
    assert [r["aln"] for r in body["results"]] == ["16.710", "16.738"]
    assert list(body["results"][0]) == PROGRAM_FIELDS
    detail = api_client.get("/api/v1/grant-programs/16.738/")
    assert detail.status_code == 200
    assert detail.json()["name"] == "Byrne JAG"
    attached = api_client.get("/api/v1/grant-programs/?conditions_attach=true").json()
    assert [r["aln"] for r in attached["results"]] == ["16.738"]
    assert api_client.get("/api/v1/grant-programs/99.999/").status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("jurisdiction=gotham-ny", {1, 2}),
        ("program=16.710", {3}),
        ("fiscal_year=2024", {2}),
        ("min_amount=2000000", {3}),
        ("jurisdiction=gotham-ny&fiscal_year=2025", {1}),
    ],
)
def test_award_filters(api_client, query, expected):
    jag = GrantProgramFactory(aln="16.738")
    cops = GrantProgramFactory(aln="16.710")
    gotham = JurisdictionFactory(slug="gotham-ny")
    GrantAwardFactory(
        jurisdiction=gotham, program=jag, fiscal_year=2025, amount_usd=1, award_id="1"
    )
    GrantAwardFactory(
        jurisdiction=gotham, program=jag, fiscal_year=2024, amount_usd=2, award_id="2"
    )
    GrantAwardFactory(program=cops, fiscal_year=2025, amount_usd=3_000_000, award_id="3")
    body = api_client.get(f"/api/v1/grant-awards/?{query}").json()
    assert {int(r["award_id"]) for r in body["results"]} == expected


def test_award_contract_and_budget_figures_without_program(api_client):
    GrantAwardFactory(program=None, program_label="Federal revenue (budget)", fiscal_year=2025)
    row = api_client.get("/api/v1/grant-awards/").json()["results"][0]
    assert list(row) == AWARD_FIELDS
    assert row["program"] is None
    assert row["program_label"] == "Federal revenue (budget)"
    assert isinstance(row["amount_usd"], int)


@pytest.mark.parametrize(
    "query", ["fiscal_year=abc", "min_amount=lots", "figure_kind=gift", "ordering=-zz"]
)
def test_bad_award_filters_are_a_400(api_client, query):
    assert api_client.get(f"/api/v1/grant-awards/?{query}").status_code == 400


def test_numbers_beyond_a_64_bit_integer_are_a_400_naming_the_field(api_client):
    GrantAwardFactory()
    for name, value in (("min_amount", "99999999999999999999999"), ("fiscal_year", "-" + "9" * 20)):
        response = api_client.get(f"/api/v1/grant-awards/?{name}={value}")
        assert response.status_code == 400, name
        assert list(response.json()) == [name]


def test_award_query_count_is_constant(api_client):
    """Count, page, and the joint-award shares of the page."""
    award = GrantAwardFactory()
    one = count_queries(lambda: api_client.get("/api/v1/grant-awards/?page_size=100"))
    for n in range(99):
        GrantAwardFactory(award_id=f"A{n}")
    assert count_queries(lambda: api_client.get("/api/v1/grant-awards/?page_size=100")) == one <= 3
    assert count_queries(lambda: api_client.get("/api/v1/grant-programs/?page_size=100")) <= 2
    assert count_queries(lambda: api_client.get(f"/api/v1/grant-awards/{award.pk}/")) <= 2
    aln = award.program.aln
    assert count_queries(lambda: api_client.get(f"/api/v1/grant-programs/{aln}/")) <= 1
