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
        "view_usaspendingfile",
        "view_usaspendingtransaction",
    }


def _upload(text: str, name: str = "rows.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_editor_imports_statements_from_csv_in_the_admin(client, editor_user):
    city = JurisdictionFactory(slug="springfield-il")
    client.force_login(editor_user)
    url = reverse("admin:compliance_statement_import_csv")
    page = client.get(url)
    assert page.status_code == 200
    assert "jurisdiction, speaker, said_on, quote, position, source_url" in page.content.decode()
    csv_text = (
        "jurisdiction,speaker,said_on,quote,position,source_url\n"
        "springfield-il,A. Mayor,2025-02-01,We stand by our ordinance.,defiant,https://example.org/a\n"
        "springfield-il,A. Mayor,2025-02-02,We will comply.,conciliatory,https://example.org/b\n"
    )
    response = client.post(url, {"file": _upload(csv_text)})
    assert response.status_code == 302
    assert Statement.objects.filter(jurisdiction=city).count() == 2
    assert all(s.history.first().history_user == editor_user for s in Statement.objects.all())


def test_statement_csv_with_a_bad_line_imports_nothing_and_names_the_line(client, editor_user):
    JurisdictionFactory(slug="springfield-il")
    client.force_login(editor_user)
    csv_text = (
        "jurisdiction,speaker,said_on,quote,position,source_url\n"
        "springfield-il,A. Mayor,2025-02-01,Fine words.,defiant,https://example.org/a\n"
        "springfield-il,A. Mayor,2025-02-02,Bad position.,furious,https://example.org/b\n"
    )
    response = client.post(
        reverse("admin:compliance_statement_import_csv"), {"file": _upload(csv_text)}, follow=True
    )
    body = response.content.decode()
    assert "Line 3, position" in body
    assert not Statement.objects.exists()


def test_editor_imports_awards_from_csv_in_the_admin(client, editor_user):
    from grants.models import GrantAward
    from tests.factories import GrantProgramFactory

    JurisdictionFactory(slug="springfield-il")
    GrantProgramFactory(aln="16.738", short_name="Byrne JAG")
    client.force_login(editor_user)
    csv_text = (
        "jurisdiction,program,fiscal_year,amount_usd,source_url\n"
        "springfield-il,16.738,2024,250000,https://example.org/award\n"
    )
    response = client.post(
        reverse("admin:grants_grantaward_import_csv"), {"file": _upload(csv_text)}
    )
    assert response.status_code == 302
    award = GrantAward.objects.get()
    assert (award.program_label, award.amount_usd) == ("Byrne JAG", 250_000)


def test_analyst_cannot_import(client, analyst_user):
    client.force_login(analyst_user)
    assert client.get(reverse("admin:compliance_statement_import_csv")).status_code == 403


def test_recompute_now_action_queues_the_recompute_that_writes_the_assessment(
    client, editor_user, queued
):
    from compliance.tasks import recompute_jurisdictions_task
    from jurisdictions.models import Jurisdiction

    statement = StatementFactory()
    jurisdiction = statement.jurisdiction
    Jurisdiction.objects.filter(pk=jurisdiction.pk).update(risk_stale=True)
    client.force_login(editor_user)
    queued.clear()
    response = client.post(
        reverse("admin:compliance_statement_changelist"),
        {"action": "recompute_affected", "_selected_action": [statement.pk]},
        follow=True,
    )
    assert "Queued the recompute of 1 of 1 jurisdiction(s)" in response.content.decode()
    assert queued == [[jurisdiction.pk]], "queued for the workers, not run in the request"
    recompute_jurisdictions_task.apply(args=[queued[0]])  # what the worker then runs
    jurisdiction.refresh_from_db()
    assert jurisdiction.risk_stale is False
    assert jurisdiction.risk_computed_at is not None


def test_a_non_utf8_upload_is_refused_with_a_message(client, editor_user):
    client.force_login(editor_user)
    upload = _upload("")
    upload.file.write(b"jurisdiction,speaker\n\xff\xfe bad bytes\n")
    upload.file.seek(0)
    response = client.post(
        reverse("admin:compliance_statement_import_csv"), {"file": upload}, follow=True
    )
    assert response.status_code == 200
    assert "not UTF-8" in response.content.decode()
    assert not Statement.objects.exists()


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ("2099-01-01,Quote.,defiant,https://example.org/a", "said_on"),
        ("0001-01-01,Quote.,defiant,https://example.org/a", "said_on"),
        ("2025-01-01," + "x" * 6_000 + ",defiant,https://example.org/a", "quote"),
        ("2025-01-01,Quote.,defiant,ftp://example.org/a", "source_url"),
        ("2025-01-01,Quo\x00te.,defiant,https://example.org/a", "quote"),
        ("2025-01-01," + "y" * 140_000 + ",defiant,https://example.org/a", "kB"),
    ],
)
def test_the_statement_import_applies_the_apis_rules(client, editor_user, cells, message):
    JurisdictionFactory(slug="springfield-il")
    client.force_login(editor_user)
    csv_text = (
        f"jurisdiction,speaker,said_on,quote,position,source_url\nspringfield-il,A. Mayor,{cells}\n"
    )
    response = client.post(
        reverse("admin:compliance_statement_import_csv"), {"file": _upload(csv_text)}, follow=True
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Statement.objects.exists()


def test_admin_forms_refuse_what_the_api_refuses(client, editor_user):
    city = JurisdictionFactory(slug="springfield-il")
    client.force_login(editor_user)
    response = client.post(
        reverse("admin:compliance_statement_add"),
        {
            "jurisdiction": city.pk, "speaker": "A. Mayor", "speaker_role": "mayor",
            "said_on": "2099-01-01", "date_precision": "day", "quote": "Words.",
            "position": "defiant", "source_url": "ftp://example.org/a", "context": "",
        },
    )  # fmt: skip
    assert response.status_code == 200  # the form again, with its errors
    errors = response.context["adminform"].form.errors
    assert set(errors) >= {"said_on", "source_url"}
    assert not Statement.objects.exists()
