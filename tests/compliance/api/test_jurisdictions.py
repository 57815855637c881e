"""``/api/v1/jurisdictions/``: the list contract, filters, facets, ordering, detail, history."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import (
    JurisdictionFactory,
    OfficialFactory,
    PolicyStanceFactory,
    RiskAssessmentFactory,
    StateFactory,
)
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/jurisdictions/"
LIST_FIELDS = [
    "slug", "name", "kind", "state", "fips", "ocd_id", "population", "stance", "stance_since",
    "exposure_usd", "max_at_risk_usd", "funding_at_risk_usd", "risk_score", "risk_level",
    "data_gaps", "risk_computed_at", "risk_stale", "url", "dashboard_url",
]  # fmt: skip
LIST_QUERY_BUDGET = 2  # count + page
DETAIL_QUERY_BUDGET = 4  # jurisdiction, latest assessment, officials, stance periods


def risky(**kwargs):
    defaults = {
        "exposure_usd": 1_000_000,
        "max_at_risk_usd": 600_000,
        "funding_at_risk_usd": 300_000,
        "risk_score": 55,
        "risk_level": "high",
        "stance": "sanctuary",
        "stance_since": dt.date(2017, 1, 1),
        "risk_stale": False,
        "risk_computed_at": dt.datetime(2025, 5, 1, 12, 0, tzinfo=dt.UTC),
    }
    return JurisdictionFactory(**{**defaults, **kwargs})


def test_list_row_has_exactly_the_contract_fields(api_client):
    j = risky(slug="springfield-il", name="Springfield", state="IL", population=114_000)
    body = api_client.get(LIST_URL).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1
    row = body["results"][0]
    assert list(row) == LIST_FIELDS
    assert row["slug"] == "springfield-il"
    assert row["funding_at_risk_usd"] == 300_000
    assert isinstance(row["exposure_usd"], int)
    assert row["stance_since"] == "2017-01-01"
    assert row["risk_computed_at"].startswith("2025-05-01T12:00:00")
    assert row["risk_stale"] is False
    assert row["url"] == f"http://testserver/api/v1/jurisdictions/{j.slug}/"
    assert row["dashboard_url"] == f"http://testserver/jurisdictions/{j.slug}/"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=county", {"cook-county-il"}),
        ("state=IL", {"cook-county-il", "chicago-il"}),
        ("stance=cooperative", {"dallas-tx"}),
        ("risk_level=severe", {"chicago-il"}),
        ("min_funding_at_risk=500000", {"chicago-il"}),
        ("q=CHIC", {"chicago-il"}),
        ("state=IL&kind=city", {"chicago-il"}),
    ],
)
def test_list_filters(api_client, query, expected):
    risky(slug="chicago-il", name="Chicago", state="IL", funding_at_risk_usd=600_000,
          risk_level="severe")  # fmt: skip
    risky(slug="cook-county-il", name="Cook County", state="IL", kind="county", fips="17031")
    risky(slug="dallas-tx", name="Dallas", state="TX", stance="cooperative",
          funding_at_risk_usd=0, risk_level="none")  # fmt: skip
    body = api_client.get(f"{LIST_URL}?{query}").json()
    assert {row["slug"] for row in body["results"]} == expected
    assert body["count"] == len(expected)


def test_updated_since_returns_only_newer_rows(api_client):
    old = risky(slug="old-town")
    new = risky(slug="new-town")
    type(old).objects.filter(pk=old.pk).update(updated_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    body = api_client.get(f"{LIST_URL}?updated_since=2024-01-01").json()
    assert [row["slug"] for row in body["results"]] == [new.slug]
    body = api_client.get(f"{LIST_URL}?updated_since=2019-06-01T00:00:00Z").json()
    assert body["count"] == 2
    # Offsets PostgreSQL itself refuses (beyond ±15:59) are converted, not a server error.
    body = api_client.get(f"{LIST_URL}?updated_since=2019-06-01T19:21:20-23:33").json()
    assert body["count"] == 2


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("name", ["a", "b", "c"]),
        ("-name", ["c", "b", "a"]),
        ("-funding_at_risk_usd", ["b", "c", "a"]),
        ("funding_at_risk_usd", ["a", "c", "b"]),
        ("-risk_score", ["c", "a", "b"]),
        ("population", ["b", "a", "c"]),
    ],
)
def test_list_ordering(api_client, ordering, expected):
    risky(slug="a", name="A", funding_at_risk_usd=1, risk_score=50, population=20)
    risky(slug="b", name="B", funding_at_risk_usd=500_000, risk_score=10, population=10)
    risky(slug="c", name="C", funding_at_risk_usd=1_000, risk_score=90, population=30)
    body = api_client.get(f"{LIST_URL}?ordering={ordering}").json()
    assert [row["slug"] for row in body["results"]] == expected


def test_facets_count_values_over_the_filtered_set(api_client):
    risky(slug="x1", state="IL", stance="sanctuary", risk_level="high")
    risky(slug="x2", state="IL", stance="sanctuary", risk_level="low")
    risky(slug="x3", state="IL", stance="partial", risk_level="low")
    risky(slug="x4", state="TX", stance="enforcing", risk_level="none")
    body = api_client.get(f"{LIST_URL}?state=IL&facets=stance,risk_level,kind&page_size=1").json()
    assert body["count"] == 3
    assert len(body["results"]) == 1
    assert body["facets"] == {
        "stance": [{"value": "sanctuary", "count": 2}, {"value": "partial", "count": 1}],
        "risk_level": [{"value": "low", "count": 2}, {"value": "high", "count": 1}],
        "kind": [{"value": "city", "count": 3}],
    }


def test_facets_cost_one_query_whatever_the_fields(api_client):
    risky(slug="y1")
    one = count_queries(lambda: api_client.get(f"{LIST_URL}?facets=stance"))
    four = count_queries(lambda: api_client.get(f"{LIST_URL}?facets=stance,state,kind,risk_level"))
    assert one == four == LIST_QUERY_BUDGET + 1


@pytest.mark.parametrize(
    ("query", "field", "mentions"),
    [
        ("kind=planet", "kind", "county"),
        ("state=ZZ", "state", "CA"),
        ("stance=rogue", "stance", "sanctuary"),
        ("risk_level=apocalyptic", "risk_level", "severe"),
        ("ordering=bogus", "ordering", "funding_at_risk_usd"),
        ("facets=bogus", "facets", "risk_level"),
        ("page_size=9999", "page_size", "500"),
        ("page_size=0", "page_size", "500"),
        ("page_size=all", "page_size", "csv"),
        ("min_funding_at_risk=lots", "min_funding_at_risk", "number"),
        ("updated_since=yesterday", "updated_since", "date"),
    ],
)
def test_bad_parameters_are_a_400_that_says_what_is_allowed(api_client, query, field, mentions):
    response = api_client.get(f"{LIST_URL}?{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    messages = " ".join(response.json()[field])
    assert mentions.lower() in messages.lower()


def test_list_query_count_is_the_same_for_1_and_100_rows(api_client):
    risky(slug="solo")
    query = f"{LIST_URL}?ordering=-funding_at_risk_usd&page_size=100&stance=sanctuary"
    with_one = count_queries(lambda: api_client.get(query))
    for n in range(99):
        risky(slug=f"many-{n}")
    with_hundred = count_queries(lambda: api_client.get(query))
    assert api_client.get(query).json()["count"] == 100
    assert with_one == with_hundred <= LIST_QUERY_BUDGET


def test_detail_has_record_officials_timeline_breakdown_and_drivers(api_client):
    parent = StateFactory(slug="illinois", name="Illinois", state="IL", fips="17")
    j = risky(slug="chicago-il", name="Chicago", state="IL", parent=parent)
    OfficialFactory(jurisdiction=j, name="Mayor Now", role="mayor")
    OfficialFactory(
        jurisdiction=j, name="Mayor Then", role="mayor", term_start=dt.date(2011, 5, 16),
        term_end=dt.date(2019, 5, 20),
    )  # fmt: skip
    PolicyStanceFactory(jurisdiction=j, code="sanctuary", effective_from=dt.date(2012, 9, 1))
    RiskAssessmentFactory(
        jurisdiction=j,
        method_version="2.0",
        as_of=dt.date(2025, 5, 1),
        programs=[{"aln": "16.738", "name": "Byrne JAG", "exposure_usd": 1_000_000,
                   "max_at_risk_usd": 600_000, "funding_at_risk_usd": 300_000}],
        drivers=[{"evidence_kind": "statement", "evidence_id": 7, "contribution_usd": 1000,
                  "contribution_score": 2.5, "sentence": "The mayor said no."}],
    )  # fmt: skip
    response = api_client.get(f"{LIST_URL}chicago-il/")
    assert response.status_code == 200
    body = response.json()
    for field in LIST_FIELDS:
        assert field in body
    assert body["funding_at_risk_usd"] == 300_000
    assert body["parent"] == "illinois"
    assert body["as_of"] == "2025-05-01"
    assert body["method_version"] == "2.0"
    assert [o["name"] for o in body["officials"]] == ["Mayor Now"]
    assert [o["name"] for o in body["former_officials"]] == ["Mayor Then"]
    assert body["former_officials"][0]["term_end_precision"] == "day"
    assert body["stance_timeline"][0]["stance"] == "sanctuary"
    assert body["stance_timeline"][0]["effective_from"] == "2012-09-01"
    assert body["programs"][0]["aln"] == "16.738"
    assert body["programs"][0]["award_fiscal_year"] is None  # not stored by older versions
    assert body["drivers"][0]["sentence"] == "The mayor said no."
    assert body["drivers"][0]["evidence_url"] == "http://testserver/api/v1/statements/7/"


def test_detail_unknown_slug_is_a_json_404(api_client):
    response = api_client.get(f"{LIST_URL}nowhere-zz/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No Jurisdiction matches the given query."}


def test_detail_query_count_is_the_same_for_1_and_100_related_rows(api_client):
    j = risky(slug="busy-town")
    OfficialFactory(jurisdiction=j)
    RiskAssessmentFactory(jurisdiction=j)
    url = f"{LIST_URL}busy-town/"
    with_one = count_queries(lambda: api_client.get(url))
    for n in range(99):
        OfficialFactory(jurisdiction=j, name=f"Deputy {n}", role="other")
    with_hundred = count_queries(lambda: api_client.get(url))
    assert len(api_client.get(url).json()["officials"]) == 100
    assert with_one == with_hundred <= DETAIL_QUERY_BUDGET


@pytest.mark.parametrize("as_of", ["2025-13-01", "yesterday", "2999-01-01", "0001-01-01"])
def test_detail_bad_as_of_is_a_400(api_client, as_of):
    risky(slug="somewhere")
    response = api_client.get(f"{LIST_URL}somewhere/?as_of={as_of}")
    assert response.status_code == 400
    assert "as_of" in response.json()


def test_risk_history_is_oldest_first_and_paginated(api_client):
    j = risky(slug="historic")
    for month in (3, 1, 2):
        RiskAssessmentFactory(
            jurisdiction=j,
            computed_at=dt.datetime(2025, month, 1, tzinfo=dt.UTC),
            score=month,
        )
    url = f"{LIST_URL}historic/risk-history/"
    body = api_client.get(f"{url}?page_size=2").json()
    assert body["count"] == 3
    assert [row["score"] for row in body["results"]] == [1, 2]
    assert body["results"][0]["jurisdiction"] == "historic"
    assert body["next"].endswith("page=2&page_size=2")
    with_three = count_queries(lambda: api_client.get(url))
    for day in range(1, 28):
        RiskAssessmentFactory(jurisdiction=j, computed_at=dt.datetime(2025, 4, day, tzinfo=dt.UTC))
    assert count_queries(lambda: api_client.get(url)) == with_three <= 3


def test_detail_without_a_recorded_assessment_is_computed(api_client):
    from tests.factories import GrantAwardFactory, GrantProgramFactory

    city = JurisdictionFactory(slug="fresh-town")
    program = GrantProgramFactory(aln="16.738", conditions_attach=True)
    GrantAwardFactory(jurisdiction=city, program=program, amount_usd=500_000)
    body = api_client.get(f"{LIST_URL}fresh-town/").json()
    assert body["method_version"]
    assert body["as_of"]
    assert body["risk_computed_at"] is None
    assert [p["aln"] for p in body["programs"]] == ["16.738"]
    assert body["programs"][0]["award_fiscal_year"] == 2025
    assert body["exposure_usd"] == sum(p["exposure_usd"] for p in body["programs"])


def test_list_filters_never_hide_a_records_own_url(api_client):
    """A list filter on a record's URL is not a filter there: it is refused by name (400),
    never read as one that hides the record (404)."""
    JurisdictionFactory(slug="chicago-il", state="IL", stance="sanctuary")
    for query in ("state=CA", "stance=enforcing", "updated_since=2999-01-01", "ordering=foo"):
        name = query.split("=")[0]
        response = api_client.get(f"{LIST_URL}chicago-il/?{query}")
        assert response.status_code == 400, query
        assert "as_of" in response.json()[name][0], query
    assert api_client.get(f"{LIST_URL}chicago-il/?format=json").json()["slug"] == "chicago-il"


def test_data_gaps_are_listed_and_filtered(api_client):
    risky(slug="complete-town", data_gaps="")
    risky(slug="no-money-town", data_gaps="no_awards")
    risky(slug="rough-town", data_gaps="stale_awards,approximate")
    rows = {r["slug"]: r["data_gaps"] for r in api_client.get(LIST_URL).json()["results"]}
    assert rows == {
        "complete-town": [], "no-money-town": ["no_awards"],
        "rough-town": ["stale_awards", "approximate"],
    }  # fmt: skip

    def slugs(query: str) -> list[str]:
        response = api_client.get(f"{LIST_URL}?data_gaps={query}&ordering=name")
        assert response.status_code == 200, response.content
        return [r["slug"] for r in response.json()["results"]]

    assert slugs("none") == ["complete-town"]
    assert slugs("approximate") == ["rough-town"]
    assert slugs("no_awards,approximate") == []  # every code given must be present
    assert api_client.get(f"{LIST_URL}?data_gaps=everything").status_code == 400
    detail = api_client.get(f"{LIST_URL}no-money-town/").json()
    assert "no_awards" in detail["data_gaps"]  # computed on request: nothing recorded yet
