"""``/api/v1/federal-actions/``: contract, filters, writes with targets and programs."""

from __future__ import annotations

import datetime as dt

import pytest

from compliance.models import FederalAction
from compliance.services.records import federal_action_statuses_set
from tests.factories import FederalActionFactory, GrantProgramFactory, JurisdictionFactory
from tests.helpers import PERMISSION_MATRIX, count_queries

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/federal-actions/"
FIELDS = [
    "id", "kind", "issuing_body", "title", "issued_on", "date_precision", "summary", "effect",
    "status", "status_changes", "targets", "targets_all_sanctuary", "programs",
    "covers_all_programs", "blocks", "source_url", "created_at", "updated_at",
]  # fmt: skip
# count, page, targets, programs, status changes, blocks and their programs
QUERY_BUDGET = 7


@pytest.fixture
def world():
    jag = GrantProgramFactory(aln="16.738", name="Byrne JAG")
    cops = GrantProgramFactory(aln="16.710", name="COPS")
    gotham = JurisdictionFactory(slug="gotham-ny")
    metro = JurisdictionFactory(slug="metropolis-il")
    letter = FederalActionFactory(
        title="Letter", kind="doj_letter", effect="threat", issued_on=dt.date(2025, 1, 10),
        targets=[gotham, metro], programs=[jag],
    )  # fmt: skip
    ruling = FederalActionFactory(
        title="Ruling", kind="court_ruling", effect="injunction",
        issued_on=dt.date(2025, 4, 1), targets=[gotham], programs=[jag, cops],
    )  # fmt: skip
    order = FederalActionFactory(
        title="Order", kind="executive_order", effect="condition",
        issued_on=dt.date(2025, 1, 20), targets_all_sanctuary=True, covers_all_programs=True,
    )  # fmt: skip
    federal_action_statuses_set(
        action=order,
        changes=[{"status": "enjoined", "effective_from": dt.date(2025, 4, 24),
                  "source_url": "https://example.org/order-enjoined"}],
    )  # fmt: skip
    return {"letter": letter, "ruling": ruling, "order": order}


def test_row_has_the_contract_fields(api_client, world):
    body = api_client.get(LIST_URL).json()
    assert [row["title"] for row in body["results"]] == ["Ruling", "Order", "Letter"]
    ruling = body["results"][0]
    assert list(ruling) == FIELDS
    assert ruling["targets"] == ["gotham-ny"]
    assert ruling["programs"] == ["16.710", "16.738"]
    order = body["results"][1]
    assert order["targets"] == []
    assert order["targets_all_sanctuary"] is True
    assert order["status"] == "enjoined"
    assert [(c["status"], c["on"]) for c in order["status_changes"]] == [("enjoined", "2025-04-24")]
    letter = api_client.get(f"{LIST_URL}{world['letter'].pk}/").json()
    assert letter["targets"] == ["gotham-ny", "metropolis-il"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=court_ruling", {"Ruling"}),
        ("effect=threat", {"Letter"}),
        ("status=enjoined", {"Order"}),
        ("jurisdiction=metropolis-il", {"Letter"}),
        ("jurisdiction=gotham-ny", {"Letter", "Ruling"}),
        ("program=16.710", {"Ruling"}),
        ("issued_after=2025-01-15", {"Ruling", "Order"}),
        ("issued_before=2025-01-15", {"Letter"}),
    ],
)
def test_filters(api_client, world, query, expected):
    body = api_client.get(f"{LIST_URL}?{query}").json()
    assert {row["title"] for row in body["results"]} == expected


@pytest.mark.parametrize("query", ["kind=tweet", "effect=doom", "status=maybe", "ordering=x"])
def test_unknown_values_are_a_400(api_client, query):
    response = api_client.get(f"{LIST_URL}?{query}")
    assert response.status_code == 400
    assert "use one of" in str(response.json())


def test_query_count_is_the_same_for_1_and_100_actions(api_client):
    programs = [GrantProgramFactory(aln=f"16.{n:03d}") for n in range(3)]
    targets = [JurisdictionFactory() for _ in range(3)]
    FederalActionFactory(targets=targets, programs=programs)
    one = count_queries(lambda: api_client.get(f"{LIST_URL}?page_size=100"))
    for _ in range(99):
        FederalActionFactory(targets=targets, programs=programs)
    hundred = count_queries(lambda: api_client.get(f"{LIST_URL}?page_size=100"))
    assert one == hundred <= QUERY_BUDGET
    action = FederalAction.objects.first()
    assert count_queries(lambda: api_client.get(f"{LIST_URL}{action.pk}/")) <= QUERY_BUDGET - 1


def payload(**overrides):
    body = {
        "kind": "funding_withheld",
        "issuing_body": "U.S. Department of Justice",
        "title": "Withholding of FY2025 JAG",
        "issued_on": "2025-05-01",
        "summary": "Withholds the award.",
        "effect": "withholding",
        "targets": ["gotham-ny"],
        "programs": ["16.738"],
        "source_url": "https://example.org/doj/withholding",
    }
    body.update(overrides)
    return body


def test_editor_creates_and_patches_an_action(editor_client, world):
    response = editor_client.post(LIST_URL, payload(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["targets"] == ["gotham-ny"]
    assert body["programs"] == ["16.738"]
    action = FederalAction.objects.get(pk=body["id"])
    assert list(action.targets.values_list("slug", flat=True)) == ["gotham-ny"]
    response = editor_client.patch(
        f"{LIST_URL}{action.pk}/",
        {"targets": ["gotham-ny", "metropolis-il"],
         "status_changes": [{"status": "enjoined", "effective_from": "2025-06-01",
                             "source_url": "https://example.org/court/order"}]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    assert response.json()["targets"] == ["gotham-ny", "metropolis-il"]
    assert response.json()["status"] == "enjoined"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"targets": ["atlantis-zz"]}, "targets"),
        ({"targets": ["gotham\x00ny"]}, "targets"),
        ({"programs": [16.738]}, "programs"),
        ({"programs": ["99.999"]}, "programs"),
        ({"kind": "tweet"}, "kind"),
        ({"source_url": "mailto:doj@example.org"}, "source_url"),
        (
            {
                "status_changes": [
                    {
                        "status": "enjoined",
                        "effective_from": "2025-01-01",
                        "source_url": "https://example.org/x",
                    }
                ]
            },
            "status_changes[0].effective_from",
        ),
        ({"status": "enjoined"}, "status"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_actions_are_refused(editor_client, world, overrides, field):
    before = FederalAction.objects.count()
    response = editor_client.post(LIST_URL, payload(**overrides), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert FederalAction.objects.count() == before


def test_duplicate_title_and_date_is_refused(editor_client, world):
    response = editor_client.post(
        LIST_URL, payload(title="Letter", issued_on="2025-01-10"), format="json"
    )
    assert response.status_code == 400
    assert FederalAction.objects.filter(title="Letter").count() == 1


@pytest.mark.parametrize(("who", "expected"), PERMISSION_MATRIX)
def test_permission_matrix(request, api_client, world, who, expected):
    client = api_client if who == "anonymous" else request.getfixturevalue(f"{who}_client")
    detail = f"{LIST_URL}{world['letter'].pk}/"
    got = {
        "post": client.post(LIST_URL, payload(), format="json").status_code,
        "patch": client.patch(detail, {"summary": "changed"}, format="json").status_code,
        "put": client.put(detail, payload(), format="json").status_code,
        "delete": client.delete(detail).status_code,
    }
    assert got == expected
