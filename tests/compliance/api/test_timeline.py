"""Timelines over the API: a jurisdiction's points, what changed between two dates, and the
national totals; JSON and CSV, read from what the pipeline stored."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from compliance.risk import METHOD_VERSION
from compliance.services.recompute import risk_assessments_record_many
from jurisdictions.models import Jurisdiction
from tests.factories import (
    FederalActionFactory,
    GrantAwardFactory,
    GrantProgramFactory,
    JurisdictionFactory,
    PolicyStanceFactory,
    StatementFactory,
)
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db

URL = "/api/v1/jurisdictions/gotham-ny/"
POINT_FIELDS = [
    "date", "exposure_usd", "max_at_risk_usd", "funding_at_risk_usd", "risk_score",
    "risk_level", "stance", "data_gaps", "events",
]  # fmt: skip


@pytest.fixture
def gotham():
    """A sanctuary city since 2024-01-01 with Byrne JAG, a withholding on 2025-02-01, a defiant
    statement on 2025-03-01 and an injunction on 2025-04-01; its timeline stored."""
    program = GrantProgramFactory(aln="16.738", name="Byrne JAG", conditions_attach=True)
    city = JurisdictionFactory(slug="gotham-ny", name="Gotham", state="NY", kind="city")
    PolicyStanceFactory(jurisdiction=city, code="sanctuary", effective_from=dt.date(2024, 1, 1))
    for fiscal_year in (2024, 2025):
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
    quiet = JurisdictionFactory(slug="quiet-ca", state="CA", kind="city")  # no records at all
    risk_assessments_record_many(jurisdiction_ids=[city.pk, quiet.pk])
    return {"withholding": withholding, "statement": statement, "injunction": injunction}


def points(client, query: str = "") -> list[dict]:
    response = client.get(f"{URL}timeline/{query}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["slug"] == "gotham-ny"
    assert body["method_version"] == METHOD_VERSION
    return body["points"]


def test_timeline_points_follow_the_records(api_client, gotham):
    found = points(api_client)
    assert list(found[0]) == POINT_FIELDS
    assert found[0]["date"] == "2023-10-01", "the FY2024 award counts from its year's start"
    assert found[0]["stance"] == "unknown"
    assert found == sorted(found, key=lambda p: p["date"]), "oldest first"
    by_date = {p["date"]: p for p in found}
    assert by_date["2024-01-01"]["stance"] == "sanctuary"
    assert by_date["2024-01-01"]["funding_at_risk_usd"] == 0
    withheld = by_date["2025-02-01"]
    assert withheld["funding_at_risk_usd"] > 0
    assert [(e["type"], e["id"]) for e in withheld["events"]] == [
        ("action", gotham["withholding"].pk)
    ]
    assert by_date["2025-03-01"]["funding_at_risk_usd"] > withheld["funding_at_risk_usd"]
    assert by_date["2025-04-01"]["funding_at_risk_usd"] == 0, "enjoined"
    # Monthly points between changes: every month start is there.
    assert {f"2024-{m:02d}-01" for m in range(1, 13)} <= set(by_date)


def test_each_point_equals_the_detail_as_of_its_date(api_client, gotham):
    for point in points(api_client):
        detail = api_client.get(f"{URL}?as_of={point['date']}").json()
        for name in ("exposure_usd", "max_at_risk_usd", "funding_at_risk_usd", "risk_score",
                     "risk_level", "stance", "data_gaps"):  # fmt: skip
            assert detail[name] == point[name], (point["date"], name)


def test_timeline_range_and_csv(api_client, gotham):
    window = points(api_client, "?from=2025-01-15&to=2025-03-31")
    assert next(p["date"] for p in window) == "2025-01-15", "the point in force on the first day"
    assert window[-1]["date"] <= "2025-03-31"
    response = api_client.get(f"{URL}timeline/?from=2025-01-15&to=2025-03-31&format=csv")
    assert response.status_code == 200
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    assert list(rows[0]) == POINT_FIELDS
    assert [r["date"] for r in rows] == [p["date"] for p in window]
    assert api_client.get(f"{URL}timeline/?from=2025-13-01").status_code == 400
    assert api_client.get(f"{URL}timeline/?from=2025-03-01&to=2025-01-01").status_code == 400


def test_a_jurisdiction_without_records_has_an_empty_timeline(api_client, gotham):
    body = api_client.get("/api/v1/jurisdictions/quiet-ca/timeline/").json()
    assert body["points"] == []


def test_timeline_reads_stored_points_in_a_few_queries(api_client, gotham):
    assert count_queries(lambda: api_client.get(f"{URL}timeline/")) <= 3


def test_changes_between_two_dates(api_client, gotham):
    response = api_client.get(f"{URL}changes/?from=2025-01-15&to=2025-03-15")
    assert response.status_code == 200, response.content
    body = response.json()
    assert list(body) == ["slug", "method_version", "from", "to", "drivers"]
    assert body["from"]["date"] == "2025-01-15"
    assert body["to"]["date"] == "2025-03-15"
    assert body["from"]["funding_at_risk_usd"] == 0
    assert body["to"]["funding_at_risk_usd"] > 0
    moved = {(d["evidence_kind"], d["evidence_id"]): d for d in body["drivers"]}
    withholding = moved[("action", gotham["withholding"].pk)]
    assert withholding["from_contribution_usd"] == 0 < withholding["to_contribution_usd"]
    assert withholding["change"] == "appeared"
    assert withholding["evidence_url"].endswith(
        f"/api/v1/federal-actions/{gotham['withholding'].pk}/"
    )
    assert ("statement", gotham["statement"].pk) in moved
    changes = [abs(d["change_usd"]) for d in body["drivers"]]
    assert changes == sorted(changes, reverse=True), "largest change first"


@pytest.mark.parametrize(
    ("query", "field"),
    [("", "from"), ("?from=2025-01-01", "to"), ("?from=2025-05-01&to=2025-01-01", "from"),
     ("?from=x&to=2025-01-01", "from")],
)  # fmt: skip
def test_changes_needs_two_ordered_dates(api_client, gotham, query, field):
    response = api_client.get(f"{URL}changes/{query}")
    assert response.status_code == 400
    assert field in response.json()


def test_national_timeline_sums_the_jurisdictions(api_client, gotham):
    response = api_client.get("/api/v1/timeline/")
    assert response.status_code == 200, response.content
    national = {p["date"]: p for p in response.json()["points"]}
    local = {p["date"]: p for p in points(api_client)}
    for day in ("2024-06-01", "2025-02-01", "2025-03-01", "2025-04-01"):
        assert national[day]["funding_at_risk_usd"] == local[day]["funding_at_risk_usd"]
    assert national["2025-02-01"]["jurisdictions"] == 1, "only gotham has a timeline"
    by_state = api_client.get("/api/v1/timeline/?state=CA").json()["points"]
    assert all(p["funding_at_risk_usd"] == 0 for p in by_state)
    assert api_client.get("/api/v1/timeline/?state=ZZ").status_code == 400
    csv_response = api_client.get("/api/v1/timeline/?format=csv")
    assert csv_response.status_code == 200
    assert b"funding_at_risk_usd" in b"".join(csv_response.streaming_content)
    assert count_queries(lambda: api_client.get("/api/v1/timeline/")) <= 3


def test_national_timeline_follows_a_change(api_client, gotham):
    city = Jurisdiction.objects.get(slug="gotham-ny")
    before = {p["date"]: p for p in api_client.get("/api/v1/timeline/").json()["points"]}
    StatementFactory(jurisdiction=city, said_on=dt.date(2025, 2, 15), position="defiant")
    risk_assessments_record_many(jurisdiction_ids=[city.pk])
    after = {p["date"]: p for p in api_client.get("/api/v1/timeline/").json()["points"]}
    assert after["2025-02-01"] == before["2025-02-01"], "earlier totals stay as they were"
    assert after["2025-03-01"]["funding_at_risk_usd"] > before["2025-03-01"]["funding_at_risk_usd"]
