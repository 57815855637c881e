"""Admin pages for daily data entry, roles, and the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from compliance.models import Statement
from tests.factories import (
    FederalActionFactory,
    GrantAwardFactory,
    JurisdictionFactory,
    OfficialFactory,
    PolicyStanceFactory,
    RiskAssessmentFactory,
    StatementFactory,
)

pytestmark = pytest.mark.django_db

EDITED = [
    ("compliance", "statement", StatementFactory),
    ("compliance", "federalaction", FederalActionFactory),
    ("jurisdictions", "policystance", PolicyStanceFactory),
    ("jurisdictions", "official", OfficialFactory),
    ("grants", "grantaward", GrantAwardFactory),
]


@pytest.mark.parametrize(("app", "model", "factory"), EDITED)
def test_editor_sees_changelist_add_and_change_pages(client, editor_user, app, model, factory):
    obj = factory()
    client.force_login(editor_user)
    changelist = client.get(reverse(f"admin:{app}_{model}_changelist"))
    assert changelist.status_code == 200
    assert str(obj)[:20] in changelist.content.decode()
    assert client.get(reverse(f"admin:{app}_{model}_add")).status_code == 200
    assert client.get(reverse(f"admin:{app}_{model}_change", args=[obj.pk])).status_code == 200
    assert client.get(reverse(f"admin:{app}_{model}_history", args=[obj.pk])).status_code == 200


def test_every_model_has_a_working_changelist_for_a_superuser(client, superuser):
    JurisdictionFactory()
    RiskAssessmentFactory()
    client.force_login(superuser)
    for name in (
        "jurisdictions_jurisdiction",
        "jurisdictions_official",
        "jurisdictions_policystance",
        "grants_grantprogram",
        "grants_grantaward",
        "compliance_statement",
        "compliance_federalaction",
        "compliance_riskassessment",
    ):
        response = client.get(reverse(f"admin:{name}_changelist"))
        assert response.status_code == 200, name


def test_analyst_can_view_but_not_change(client, analyst_user):
    statement = StatementFactory()
    client.force_login(analyst_user)
    change_url = reverse("admin:compliance_statement_change", args=[statement.pk])
    assert client.get(reverse("admin:compliance_statement_changelist")).status_code == 200
    page = client.get(change_url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # read-only view
    assert client.get(reverse("admin:compliance_statement_add")).status_code == 403
    response = client.post(change_url, {"quote": "Changed by an analyst"})
    assert response.status_code == 403
    statement.refresh_from_db()
    assert statement.quote != "Changed by an analyst"


def test_editor_add_statement_is_recorded_in_history_with_who(client, editor_user):
    jurisdiction = JurisdictionFactory()
    client.force_login(editor_user)
    response = client.post(
        reverse("admin:compliance_statement_add"),
        {
            "jurisdiction": jurisdiction.pk,
            "speaker": "A. Mayor",
            "speaker_role": "mayor",
            "said_on": "2025-03-01",
            "date_precision": "day",
            "quote": "We will defend our residents.",
            "context": "",
            "position": "defiant",
            "source_url": "https://example.org/news",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    statement = Statement.objects.get(speaker="A. Mayor")
    statement_url = reverse("admin:compliance_statement_change", args=[statement.pk])
    response = client.post(
        statement_url,
        {
            "jurisdiction": jurisdiction.pk,
            "speaker": "A. Mayor",
            "speaker_role": "mayor",
            "said_on": "2025-03-01",
            "date_precision": "day",
            "quote": "We will defend all of our residents.",
            "context": "",
            "position": "defiant",
            "source_url": "https://example.org/news",
        },
    )
    assert response.status_code == 302
    records = list(statement.history.order_by("history_date"))
    assert [r.history_type for r in records] == ["+", "~"]
    assert all(r.history_user == editor_user for r in records)
    delta = records[1].diff_against(records[0])
    assert [change.field for change in delta.changes] == ["quote"]


def test_admin_refuses_statement_without_source(client, editor_user):
    jurisdiction = JurisdictionFactory()
    client.force_login(editor_user)
    response = client.post(
        reverse("admin:compliance_statement_add"),
        {
            "jurisdiction": jurisdiction.pk,
            "speaker": "X",
            "said_on": "2025-03-01",
            "date_precision": "day",
            "quote": "Words.",
            "position": "neutral",
            "source_url": "",
        },
    )
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not Statement.objects.exists()


def test_overlapping_stance_is_refused_in_the_admin(client, editor_user):
    stance = PolicyStanceFactory(effective_from=dt.date(2014, 1, 1))
    client.force_login(editor_user)
    response = client.post(
        reverse("admin:jurisdictions_policystance_add"),
        {
            "jurisdiction": stance.jurisdiction_id,
            "code": "partial",
            "effective_from": "2016-01-01",
            "date_precision": "day",
            "basis": "ordinance",
            "source_url": "https://example.org/s",
        },
    )
    assert response.status_code == 200
    assert "overlaps" in response.content.decode()


def test_autocomplete_for_jurisdiction(client, editor_user):
    JurisdictionFactory(name="Springfield")
    client.force_login(editor_user)
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "compliance",
            "model_name": "statement",
            "field_name": "jurisdiction",
            "term": "Spring",
        },
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Springfield, CA"]


def test_create_roles_command_is_idempotent(db):
    from io import StringIO

    from django.contrib.auth.models import Group
    from django.core.management import call_command

    out = StringIO()
    call_command("create_roles", stdout=out)
    call_command("create_roles", stdout=out)
    editor = Group.objects.get(name="editor")
    analyst = Group.objects.get(name="analyst")
    assert editor.permissions.filter(codename="change_statement").exists()
    assert editor.permissions.filter(codename="delete_grantaward").exists()
    assert not editor.permissions.filter(codename="change_jurisdiction").exists()
    assert set(analyst.permissions.values_list("codename", flat=True)) == {
        "view_statement",
        "view_federalaction",
        "view_policystance",
        "view_official",
        "view_grantaward",
        "view_jurisdiction",
        "view_grantprogram",
        "view_riskassessment",
    }
