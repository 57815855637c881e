"""``?format=csv`` on every list: the same rows and filters as JSON; ``page_size=all`` streams."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from compliance.core.renderers import csv_cell
from jurisdictions.models import Jurisdiction
from tests.factories import (
    FederalActionFactory,
    GrantAwardFactory,
    GrantProgramFactory,
    JurisdictionFactory,
    OfficialFactory,
    RiskAssessmentFactory,
    StatementFactory,
)

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/jurisdictions/",
    "/api/v1/officials/",
    "/api/v1/statements/",
    "/api/v1/federal-actions/",
    "/api/v1/grant-programs/",
    "/api/v1/grant-awards/",
    "/api/v1/jurisdictions/gotham-ny/risk-history/",
]

BOM_BYTES = "\ufeff".encode()


@pytest.fixture
def data():
    program = GrantProgramFactory(aln="16.738", name='Byrne JAG, "formula"')
    city = JurisdictionFactory(slug="gotham-ny", name="Gotham, NY", funding_at_risk_usd=0)
    OfficialFactory(jurisdiction=city)
    StatementFactory(jurisdiction=city, quote='He said: "no", then left.\nNew line.')
    FederalActionFactory(targets=[city, JurisdictionFactory(slug="zz-town")], programs=[program])
    GrantAwardFactory(jurisdiction=city, program=program, amount_usd=123_456)
    RiskAssessmentFactory(
        jurisdiction=city,
        programs=[{"aln": "16.738", "name": "JAG", "exposure_usd": 1, "max_at_risk_usd": 1,
                   "funding_at_risk_usd": 0}],
    )  # fmt: skip
    return city


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def parse(response) -> list[dict[str, str]]:
    raw = body(response)
    assert raw.startswith(BOM_BYTES), "UTF-8 with a byte-order mark, for spreadsheet programs"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


@pytest.mark.parametrize("url", LISTS)
def test_csv_page_matches_json(api_client, data, url):
    as_json = api_client.get(url).json()["results"]
    response = api_client.get(f"{url}?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = parse(response)
    assert len(rows) == len(as_json) > 0
    for row, expected in zip(rows, as_json, strict=True):
        assert list(row) == list(expected)
        assert row == {key: csv_cell(value) for key, value in expected.items()}


@pytest.mark.parametrize("url", LISTS)
def test_streamed_export_matches_json(api_client, data, url):
    as_json = api_client.get(f"{url}?page_size=500").json()["results"]
    response = api_client.get(f"{url}?format=csv&page_size=all")
    assert response.status_code == 200
    assert response.streaming
    assert "attachment" in response["Content-Disposition"]
    rows = parse(response)
    assert rows == [{k: csv_cell(v) for k, v in row.items()} for row in as_json]


def test_csv_lists_targets_and_programs_plainly(api_client, data):
    row = parse(api_client.get("/api/v1/federal-actions/?format=csv"))[0]
    assert row["targets"] == "gotham-ny;zz-town"
    assert row["programs"] == "16.738"


def test_export_streams_every_row_past_the_page_limit(api_client):
    JurisdictionFactory.create_batch(620, stance="sanctuary")
    JurisdictionFactory.create_batch(5, stance="enforcing")
    response = api_client.get("/api/v1/jurisdictions/?format=csv&page_size=all&stance=sanctuary")
    rows = parse(response)
    assert len(rows) == 620
    assert {row["stance"] for row in rows} == {"sanctuary"}
    assert len({row["slug"] for row in rows}) == 620


def test_empty_csv_still_names_the_columns(api_client):
    content = api_client.get("/api/v1/statements/?format=csv").content.decode("utf-8-sig")
    assert content.strip().split(",")[:3] == ["id", "jurisdiction", "official"]


def test_errors_stay_json_when_csv_was_asked(api_client):
    response = api_client.get("/api/v1/jurisdictions/?format=csv&kind=planet")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "kind" in response.json()


def test_accept_header_selects_csv(api_client, data):
    response = api_client.get("/api/v1/grant-awards/", HTTP_ACCEPT="text/csv")
    assert response["Content-Type"].startswith("text/csv")
    assert parse(response)[0]["amount_usd"] == "123456"


def test_csv_cells():
    assert csv_cell(None) == ""
    assert csv_cell(True) == "true"
    assert csv_cell(["a", "b"]) == "a;b"
    assert csv_cell([{"b": 1, "a": 2}]) == '[{"a": 2, "b": 1}]'
    assert csv_cell(dt.date(2025, 1, 2)) == "2025-01-02"
    assert csv_cell(-1500) == "-1500", "numbers stay numbers"


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx"])
def test_text_a_spreadsheet_would_run_is_neutralised(text):
    assert csv_cell(text) == f"'{text}"
    assert csv_cell([text, "b"]) == f"'{text};b"


def test_a_formula_in_a_quote_reaches_the_csv_as_text(api_client, data):
    city = Jurisdiction.objects.get(slug="gotham-ny")
    StatementFactory(jurisdiction=city, quote='=HYPERLINK("http://evil.example","click")')
    for url in ("/api/v1/statements/?format=csv", "/api/v1/statements/?format=csv&page_size=all"):
        quotes = [row["quote"] for row in parse(api_client.get(url))]
        assert '\'=HYPERLINK("http://evil.example","click")' in quotes
        assert not any(quote.startswith("=") for quote in quotes)


def test_curly_quotes_survive_with_the_byte_order_mark(api_client, data):
    city = Jurisdiction.objects.get(slug="gotham-ny")
    StatementFactory(jurisdiction=city, quote="\u201cWe won\u2019t comply,\u201d she said.")
    raw = body(api_client.get("/api/v1/statements/?format=csv"))
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "\u201cWe won\u2019t comply,\u201d she said." in raw.decode("utf-8-sig")


def test_unknown_format_is_refused_with_the_choices(api_client):
    response = api_client.get("/api/v1/statements/?format=xml")
    assert response.status_code == 406
    assert response.json() == {"detail": "Unknown format 'xml'; use one of: json, csv."}
