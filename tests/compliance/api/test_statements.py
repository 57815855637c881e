"""``/api/v1/statements/``: contract, filters, full-text search, validation, permissions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from compliance.models import QUOTE_MAX_LENGTH, Statement
from jurisdictions.models import Jurisdiction
from tests.factories import JurisdictionFactory, OfficialFactory, StatementFactory
from tests.helpers import PERMISSION_MATRIX, count_queries

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/statements/"
FIELDS = [
    "id", "jurisdiction", "official", "speaker", "speaker_role", "said_on", "date_precision",
    "quote", "context", "position", "source_url", "created_at", "updated_at",
]  # fmt: skip
QUERY_BUDGET = 2


@pytest.fixture
def city():
    return JurisdictionFactory(slug="gotham-ny", name="Gotham", state="NY")


def valid_payload(**overrides):
    payload = {
        "jurisdiction": "gotham-ny",
        "speaker": "Jane Mayor",
        "speaker_role": "Mayor",
        "said_on": "2025-03-01",
        "quote": "We will keep our policy.",
        "context": "Press conference at city hall.",
        "position": "defiant",
        "source_url": "https://example.org/press/1",
    }
    payload.update(overrides)
    return payload


def test_row_has_exactly_the_contract_fields(api_client, city):
    official = OfficialFactory(jurisdiction=city)
    statement = StatementFactory(jurisdiction=city, official=official, context="At a rally.")
    row = api_client.get(LIST_URL).json()["results"][0]
    assert list(row) == FIELDS
    assert row["id"] == statement.pk
    assert row["jurisdiction"] == "gotham-ny"
    assert row["official"] == official.pk
    assert row["said_on"] == "2025-03-01"
    detail = api_client.get(f"{LIST_URL}{statement.pk}/").json()
    assert detail == row


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("jurisdiction=gotham-ny", {"a", "b"}),
        ("position=conciliatory", {"b"}),
        ("said_after=2025-02-01", {"b", "c"}),
        ("said_before=2025-01-31", {"a"}),
        ("said_after=2025-02-01&said_before=2025-03-31", {"b"}),
    ],
)
def test_filters(api_client, city, query, expected):
    other = JurisdictionFactory(slug="metropolis-il")
    StatementFactory(jurisdiction=city, speaker="a", said_on=dt.date(2025, 1, 10))
    StatementFactory(jurisdiction=city, speaker="b", said_on=dt.date(2025, 3, 10),
                     position="conciliatory")  # fmt: skip
    StatementFactory(jurisdiction=other, speaker="c", said_on=dt.date(2025, 5, 10))
    body = api_client.get(f"{LIST_URL}?{query}").json()
    assert {row["speaker"] for row in body["results"]} == expected


def test_official_filter(api_client, city):
    official = OfficialFactory(jurisdiction=city)
    StatementFactory(jurisdiction=city, official=official, speaker="on record")
    StatementFactory(jurisdiction=city, speaker="someone else")
    body = api_client.get(f"{LIST_URL}?official={official.pk}").json()
    assert [row["speaker"] for row in body["results"]] == ["on record"]
    assert api_client.get(f"{LIST_URL}?official=abc").status_code == 400


def test_full_text_search_is_ranked_and_stemmed(api_client, city, postgres):
    StatementFactory(jurisdiction=city, speaker="weak", quote="We discussed many topics.",
                     context="Budget hearing; immigration came up once.")  # fmt: skip
    StatementFactory(jurisdiction=city, speaker="strong",
                     quote="Immigration enforcement is federal; immigration agents get no help.",
                     context="Immigration forum.")  # fmt: skip
    StatementFactory(jurisdiction=city, speaker="none", quote="Potholes will be fixed.")
    body = api_client.get(f"{LIST_URL}?q=immigrants").json()
    assert [row["speaker"] for row in body["results"]] == ["strong", "weak"]
    body = api_client.get(f'{LIST_URL}?q="federal; immigration" -potholes').json()
    assert [row["speaker"] for row in body["results"]] == ["strong"]
    body = api_client.get(f"{LIST_URL}?q=immigration&ordering=said_on").json()
    assert body["count"] == 2


def test_full_text_search_uses_the_gin_index(city, postgres):
    from django.db import connection

    from compliance.filters import StatementFilterSet

    qs = StatementFilterSet({"q": "sanctuary"}, queryset=Statement.objects.all()).qs
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "compliance_statement_search_vector_gin" in plan


def test_list_and_detail_query_count_do_not_grow(api_client, city):
    first = StatementFactory(jurisdiction=city)
    one = count_queries(lambda: api_client.get(f"{LIST_URL}?page_size=100"))
    for n in range(99):
        StatementFactory(jurisdiction=JurisdictionFactory() if n % 2 else city)
    hundred = count_queries(lambda: api_client.get(f"{LIST_URL}?page_size=100"))
    assert api_client.get(LIST_URL).json()["count"] == 100
    assert one == hundred <= QUERY_BUDGET
    assert count_queries(lambda: api_client.get(f"{LIST_URL}{first.pk}/")) <= 1


# --- Writes -------------------------------------------------------------------------------


def test_editor_creates_a_statement_and_its_jurisdiction_goes_stale(editor_client, city):
    Jurisdiction.objects.filter(pk=city.pk).update(risk_stale=False)
    response = editor_client.post(LIST_URL, valid_payload(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert list(body) == FIELDS
    statement = Statement.objects.get(pk=body["id"])
    assert statement.quote == "We will keep our policy."
    assert statement.jurisdiction == city
    city.refresh_from_db()
    assert city.risk_stale is True


def test_editor_patches_and_deletes(editor_client, city):
    statement = StatementFactory(jurisdiction=city)
    response = editor_client.patch(
        f"{LIST_URL}{statement.pk}/", {"position": "neutral"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["position"] == "neutral"
    statement.refresh_from_db()
    assert statement.position == "neutral"
    assert editor_client.delete(f"{LIST_URL}{statement.pk}/").status_code == 204
    assert not Statement.objects.filter(pk=statement.pk).exists()


TOO_LONG = "x" * (QUOTE_MAX_LENGTH + 1)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"source_url": None}, "source_url"),
        ({"source_url": ""}, "source_url"),
        ({"source_url": "ftp://example.org/file"}, "source_url"),
        ({"source_url": "javascript:alert(1)"}, "source_url"),
        ({"quote": ""}, "quote"),
        ({"quote": "   "}, "quote"),
        ({"quote": TOO_LONG}, "quote"),
        ({"said_on": "2999-01-01"}, "said_on"),
        ({"said_on": "not a date"}, "said_on"),
        ({"jurisdiction": "atlantis-zz"}, "jurisdiction"),
        ({"position": "angry"}, "position"),
        ({"official": 999999}, "official"),
        ({"quote": "nul\x00byte"}, "quote"),
    ],
)
def test_bad_statements_are_refused_and_nothing_is_written(editor_client, city, overrides, field):
    payload = {k: v for k, v in valid_payload(**overrides).items() if v is not None}
    response = editor_client.post(LIST_URL, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert response.json()[field]
    assert Statement.objects.count() == 0


def test_tomorrow_is_refused_today_is_accepted(editor_client, city):
    today = timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    response = editor_client.post(LIST_URL, valid_payload(said_on=str(tomorrow)), format="json")
    assert response.status_code == 400
    assert "future" in response.json()["said_on"][0]
    response = editor_client.post(LIST_URL, valid_payload(said_on=str(today)), format="json")
    assert response.status_code == 201


def test_official_of_another_jurisdiction_is_refused(editor_client, city):
    elsewhere = OfficialFactory(jurisdiction=JurisdictionFactory())
    response = editor_client.post(LIST_URL, valid_payload(official=elsewhere.pk), format="json")
    assert response.status_code == 400
    assert "another jurisdiction" in response.json()["official"][0]
    assert Statement.objects.count() == 0
    statement = StatementFactory(jurisdiction=city)
    response = editor_client.patch(
        f"{LIST_URL}{statement.pk}/", {"official": elsewhere.pk}, format="json"
    )
    assert response.status_code == 400
    statement.refresh_from_db()
    assert statement.official_id is None


def test_malformed_json_is_a_400(editor_client, city):
    response = editor_client.post(LIST_URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


# --- Permission matrix ------------------------------------------------------------------


@pytest.mark.parametrize(("who", "expected"), PERMISSION_MATRIX)
def test_permission_matrix(request, api_client, city, who, expected):
    client = api_client if who == "anonymous" else request.getfixturevalue(f"{who}_client")
    statement = StatementFactory(jurisdiction=city)
    detail = f"{LIST_URL}{statement.pk}/"
    got = {
        "post": client.post(LIST_URL, valid_payload(), format="json").status_code,
        "patch": client.patch(detail, {"context": "changed"}, format="json").status_code,
        "put": client.put(detail, valid_payload(), format="json").status_code,
        "delete": client.delete(detail).status_code,
    }
    assert got == expected
    assert client.get(detail).status_code == (404 if expected["delete"] == 204 else 200)


def test_a_date_before_the_records_begin_is_refused(editor_client, city):
    response = editor_client.post(
        LIST_URL, {**valid_payload(), "said_on": "0001-01-01"}, format="json"
    )
    assert response.status_code == 400
    assert "said_on" in response.json()
    assert not Statement.objects.exists()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"sanctuary city" -budget', {"ordinance"}),
        ("saber rattling", {"rattle"}),
        ("comply or budget", {"comply", "budget"}),
        ('-"sanctuary city"', {"comply", "rattle"}),
        ("SANCTUARY", {"ordinance", "budget"}),
    ],
)
def test_the_embedded_database_reads_the_same_search_syntax(query, expected):
    """The SQLite fallback (``websearch_q``) finds, on words that need no stemming, what
    PostgreSQL's web search finds."""
    from compliance.filters import StatementFilterSet, websearch_q
    from compliance.models import Statement

    city = JurisdictionFactory()
    texts = {
        "ordinance": "We remain a sanctuary city under our ordinance.",
        "budget": "The sanctuary city budget will hold.",
        "comply": "We will comply with the law.",
        "rattle": "This is saber rattling from Washington.",
    }
    ids = {StatementFactory(jurisdiction=city, quote=text).pk: key for key, text in texts.items()}
    fallback = Statement.objects.filter(websearch_q(query, fields=("quote", "context")))
    assert {ids[s.pk] for s in fallback} == expected
    postgres = StatementFilterSet({"q": query}, queryset=Statement.objects.all()).qs
    assert {ids[s.pk] for s in postgres} == expected
