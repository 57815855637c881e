"""``/api/v1/officials/``: read-only, filtered by jurisdiction and role."""

from __future__ import annotations

import pytest

from tests.factories import JurisdictionFactory, OfficialFactory
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/officials/"
FIELDS = [
    "id", "jurisdiction", "name", "role", "title", "term_start", "term_start_precision",
    "term_end", "term_end_precision", "source_url",
    "created_at", "updated_at",
]  # fmt: skip


def test_contract_and_filters(api_client):
    gotham = JurisdictionFactory(slug="gotham-ny")
    OfficialFactory(jurisdiction=gotham, name="Mayor G", role="mayor")
    OfficialFactory(jurisdiction=gotham, name="Chief G", role="police_chief")
    OfficialFactory(jurisdiction=JurisdictionFactory(slug="metropolis-il"), name="Mayor M")
    row = api_client.get(f"{LIST_URL}?jurisdiction=gotham-ny&role=mayor").json()["results"]
    assert [r["name"] for r in row] == ["Mayor G"]
    assert list(row[0]) == FIELDS
    assert row[0]["jurisdiction"] == "gotham-ny"
    assert api_client.get(f"{LIST_URL}?jurisdiction=metropolis-il").json()["count"] == 1
    response = api_client.get(f"{LIST_URL}?role=king")
    assert response.status_code == 400
    assert "mayor" in response.json()["role"][0]


def test_read_only_for_everyone(api_client, editor_client):
    official = OfficialFactory()
    assert api_client.post(LIST_URL, {}, format="json").status_code == 401
    assert editor_client.post(LIST_URL, {}, format="json").status_code == 405
    assert editor_client.delete(f"{LIST_URL}{official.pk}/").status_code == 405


def test_query_count_is_constant(api_client):
    OfficialFactory()
    one = count_queries(lambda: api_client.get(f"{LIST_URL}?page_size=100"))
    for _ in range(99):
        OfficialFactory()
    assert count_queries(lambda: api_client.get(f"{LIST_URL}?page_size=100")) == one <= 2
    official = OfficialFactory()
    assert count_queries(lambda: api_client.get(f"{LIST_URL}{official.pk}/")) <= 1
