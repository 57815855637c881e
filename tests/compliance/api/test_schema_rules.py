"""The published schema says what the API does: every status code, who may call, the ranges
validation enforces; and the API refuses what the schema does not allow."""

from __future__ import annotations

import pytest

from tests.factories import JurisdictionFactory, StatementFactory

pytestmark = pytest.mark.django_db

WRITES = {"post", "patch", "put", "delete"}


@pytest.fixture
def schema(api_client):
    response = api_client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def _operations(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def test_every_operation_documents_every_error_it_can_answer(schema):
    for path, method, operation in _operations(schema):
        codes = set(operation["responses"])
        assert {"400", "401", "404", "406", "429"} <= codes, (method, path, codes)
        if method in WRITES:
            assert {"403", "409"} <= codes, (method, path, codes)
        assert "headers" in operation["responses"]["429"]  # Retry-After
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["detail"]


def test_reads_may_be_anonymous_and_writes_need_a_token(schema):
    for path, method, operation in _operations(schema):
        if method in WRITES:
            assert operation["security"] == [{"tokenAuth": []}], (method, path)
        else:
            assert {} in operation["security"], (method, path)


def test_risk_history_is_documented_as_the_paginated_list_it_returns(schema):
    answer = schema["paths"]["/api/v1/jurisdictions/{slug}/risk-history/"]["get"]["responses"]
    ref = answer["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/PaginatedRiskAssessmentList")


def test_schema_ranges_are_the_ones_validation_enforces(schema, api_client):
    parameters = {
        p["name"]: p["schema"] for p in schema["paths"]["/api/v1/statements/"]["get"]["parameters"]
    }
    assert parameters["page_size"] == {"type": "integer", "minimum": 1, "maximum": 500}
    assert parameters["page"]["minimum"] == 1
    assert parameters["official"]["type"] == "integer"
    assert parameters["q"]["minLength"] == 1
    assert parameters["said_after"]["pattern"].startswith("^(18")
    body = schema["components"]["schemas"]["StatementRequest"]
    assert body["additionalProperties"] is False
    for query, field in (("page_size=501", "page_size"), ("page=0", "page"),
                         ("official=1.5", "official"), ("said_after=1799-12-31", "said_after"),
                         ("q=", "q")):  # fmt: skip
        response = api_client.get(f"/api/v1/statements/?{query}")
        assert response.status_code == 400, query
        assert field in response.json(), query


def test_an_empty_parameter_is_refused_not_read_as_absent(api_client):
    JurisdictionFactory(slug="gotham-ny")
    for url in ("/api/v1/jurisdictions/gotham-ny/?as_of=", "/api/v1/statements/?updated_since=",
                "/api/v1/jurisdictions/?format="):  # fmt: skip
        response = api_client.get(url)
        assert response.status_code == 400, url
        assert "Give a value" in str(response.json()), url


def test_a_method_the_operation_does_not_offer_is_405_whatever_the_query(api_client):
    response = api_client.generic("TRACE", "/api/v1/timeline/?stance=&nonsense=1")
    assert response.status_code == 405


def test_a_body_field_the_record_does_not_take_is_refused_by_name(editor_client):
    city = JurisdictionFactory(slug="gotham-ny")
    statement = StatementFactory(jurisdiction=city)
    body = {
        "jurisdiction": "gotham-ny", "speaker": "A. Mayor", "said_on": "2025-01-02",
        "quote": "We stay the course.", "position": "defiant",
        "source_url": "https://example.org/s", "mood": "calm",
    }  # fmt: skip
    response = editor_client.post("/api/v1/statements/", body, format="json")
    assert response.status_code == 400
    assert "Unknown field" in response.json()["mood"][0]
    response = editor_client.patch(f"/api/v1/statements/{statement.pk}/", {"id": 7}, format="json")
    assert response.status_code == 400
    assert "id" in response.json()


@pytest.mark.parametrize(
    ("field", "value"), [("context", 0), ("quote", 12), ("position", 1), ("speaker", True)]
)
def test_a_value_of_another_json_type_is_refused(editor_client, field, value):
    JurisdictionFactory(slug="gotham-ny")
    body = {
        "jurisdiction": "gotham-ny", "speaker": "A. Mayor", "said_on": "2025-01-02",
        "quote": "We stay the course.", "position": "defiant",
        "source_url": "https://example.org/s", field: value,
    }  # fmt: skip
    response = editor_client.post("/api/v1/statements/", body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()[field] == ["Give a string."]
