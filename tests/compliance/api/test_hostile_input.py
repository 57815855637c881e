"""Input a careful attacker would send: every one answered by a 4xx with a JSON message, never
a 500, and nothing written."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from compliance.models import FederalAction, Statement
from tests.factories import GrantProgramFactory, JurisdictionFactory, OfficialFactory
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db

STATEMENTS = "/api/v1/statements/"
ACTIONS = "/api/v1/federal-actions/"


@pytest.fixture
def place():
    GrantProgramFactory(aln="16.738")
    return JurisdictionFactory(slug="boston-ma")


def statement(**overrides) -> dict:
    body = {
        "jurisdiction": "boston-ma", "speaker": "Mayor", "said_on": "2025-01-01",
        "quote": "We will not comply.", "position": "defiant",
        "source_url": "https://example.org/s",
    }  # fmt: skip
    return {**body, **overrides}


def action(**overrides) -> dict:
    body = {
        "kind": "doj_letter", "issuing_body": "DOJ", "title": "Letter", "issued_on": "2025-01-01",
        "summary": "", "effect": "threat", "targets": ["boston-ma"], "programs": ["16.738"],
        "source_url": "https://example.org/a",
    }  # fmt: skip
    return {**body, **overrides}


def post_raw(client, url: str, text: str):
    return client.generic("POST", url, text, content_type="application/json")


def assert_refused(response, field: str | None = None) -> dict:
    assert 400 <= response.status_code < 500, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    if field is not None:
        assert field in body, body
    return body


def test_json_nested_100000_deep_is_a_400(editor_client, place):
    body = assert_refused(post_raw(editor_client, STATEMENTS, "[" * 100_000 + "]" * 100_000))
    assert "nested more than" in body["detail"]


@pytest.mark.parametrize("number", ["1e400", "-1e400", "NaN", "Infinity"])
def test_numbers_json_cannot_hold_are_a_400(editor_client, place, number):
    text = json.dumps(statement())[:-1] + f', "official": {number}}}'
    assert "JSON parse error" in assert_refused(post_raw(editor_client, STATEMENTS, text))["detail"]
    assert not Statement.objects.exists()


@pytest.mark.parametrize("value", [1.5, True, "1.0", 10**30, -1, "12abc"])
def test_an_id_must_be_a_whole_number_in_range(editor_client, place, value):
    official = OfficialFactory(jurisdiction=place)
    assert official.pk == 1 or official.pk > 0
    response = editor_client.post(STATEMENTS, statement(official=value), format="json")
    assert_refused(response, "official")
    assert not Statement.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (statement(jurisdiction="boston\x00-ma"), "jurisdiction"),
        (statement(quote="a\x00b"), "quote"),
        (action(programs=["16.\x00738"]), "programs"),
        (action(targets=["boston\x00-ma"]), "targets"),
    ],
)
def test_nul_characters_are_a_400(editor_client, place, body, field):
    url = STATEMENTS if "quote" in body else ACTIONS
    assert_refused(editor_client.post(url, body, format="json"), field)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (action(issued_on="6488-03-19"), "issued_on"),
        (action(issued_on="0001-01-01"), "issued_on"),
        (action(status_changes=[{"status": "enjoined", "effective_from": "4825-01-01",
                                 "source_url": "https://example.org/c"}]), "status_changes"),
        (statement(said_on="2099-01-01"), "said_on"),
    ],
)  # fmt: skip
def test_dates_out_of_range_are_refused_on_every_write(editor_client, place, body, field):
    url = STATEMENTS if "quote" in body else ACTIONS
    assert_refused(editor_client.post(url, body, format="json"), field)
    assert not FederalAction.objects.exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000)
def test_a_body_over_the_upload_limit_is_a_json_400(editor_client, place):
    response = post_raw(editor_client, STATEMENTS, json.dumps(statement(quote="x" * 20_000)))
    body = assert_refused(response)
    assert "larger than the limit of 10,000 bytes" in body["detail"]


def test_listed_targets_are_read_in_one_query_and_bounded(editor_client, place):
    many = [JurisdictionFactory(slug=f"town-{n}").slug for n in range(300)]
    queries = count_queries(
        lambda: editor_client.post(ACTIONS, action(targets=many), format="json")
    )
    assert FederalAction.objects.get().targets.count() == 300
    assert queries < 60, "targets are looked up and linked set-based, not one query each"
    too_many = assert_refused(
        editor_client.post(ACTIONS, action(targets=["boston-ma"] * 5_001), format="json"),
        "targets",
    )
    assert too_many["targets"] == ["At most 5,000 slugs."]
    unknown = assert_refused(
        editor_client.post(ACTIONS, action(targets=["boston-ma", "atlantis-zz"]), format="json"),
        "targets",
    )
    assert unknown["targets"] == ["No jurisdiction has the slug 'atlantis-zz'."]


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/v1/jurisdictions/?stanc=sanctuary", "stanc"),
        ("/api/v1/grant-programs/?agency=DOJ&colour=red", "colour"),
        ("/api/v1/jurisdictions/boston-ma/?as_off=2025-01-01", "as_off"),
        ("/api/v1/jurisdictions/boston-ma/timeline/?form=2025-01-01", "form"),
        ("/api/v1/timeline/?states=CA", "states"),
    ],
)
def test_an_unknown_parameter_is_a_400_naming_the_valid_ones(api_client, place, url, name):
    body = assert_refused(api_client.get(url), name)
    assert "Unknown parameter; this endpoint takes:" in body[name][0]


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/grant-programs/?conditions_attach=banana", "conditions_attach"),
        ("/api/v1/grant-awards/?approximate=maybe", "approximate"),
        ("/api/v1/jurisdictions/?page=0", "page"),
        ("/api/v1/jurisdictions/?page=-3", "page"),
        ("/api/v1/statements/?page=x", "page"),
    ],
)
def test_bad_values_are_a_400_not_ignored(api_client, place, url, field):
    assert_refused(api_client.get(url), field)


def test_known_parameters_still_work(api_client, place):
    assert api_client.get("/api/v1/grant-programs/?conditions_attach=TRUE").status_code == 200
    assert api_client.get("/api/v1/jurisdictions/?page=1&format=json").status_code == 200
    assert api_client.get("/api/v1/jurisdictions/?page=last").status_code == 200
