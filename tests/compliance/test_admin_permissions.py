"""Every admin URL, for every role: what each may see and change, and that refused writes leave
the records as they were.

The matrix is explicit (it does not ask the permission system what to expect): anonymous
visitors are sent to the login page; analysts view every record of the product and change
none; editors add, change, revert and delete statements, federal actions, stance periods,
officials and awards, import CSV, and queue recomputes, but only view jurisdictions, programs
and assessments; superusers do everything except write assessments, which only the recompute
writes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from jurisdictions.models import Jurisdiction
from tests.factories import (
    FederalActionFactory,
    GrantAwardFactory,
    GrantProgramFactory,
    JurisdictionFactory,
    OfficialFactory,
    PolicyStanceFactory,
    RiskAssessmentFactory,
    StatementFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# (app, model) -> (factory, a text field a change edits)
MODELS = {
    ("compliance", "statement"): (StatementFactory, "context"),
    ("compliance", "federalaction"): (
        lambda: FederalActionFactory(targets=[JurisdictionFactory()]),
        "summary",
    ),
    ("jurisdictions", "policystance"): (PolicyStanceFactory, "description"),
    ("jurisdictions", "official"): (OfficialFactory, "title"),
    ("grants", "grantaward"): (GrantAwardFactory, "notes"),
    ("jurisdictions", "jurisdiction"): (JurisdictionFactory, "notes"),
    ("grants", "grantprogram"): (GrantProgramFactory, "notes"),
    ("compliance", "riskassessment"): (RiskAssessmentFactory, None),
    ("grants", "usaspendingfile"): (lambda: _usaspending_transaction().source_file, None),
    ("grants", "usaspendingtransaction"): (lambda: _usaspending_transaction(), None),
}
# Written by the import alone: nobody adds, changes or deletes them in the admin.
IMPORT_RECORDS = {("grants", "usaspendingfile"), ("grants", "usaspendingtransaction")}
EDITED = {
    ("compliance", "statement"),
    ("compliance", "federalaction"),
    ("jurisdictions", "policystance"),
    ("jurisdictions", "official"),
    ("grants", "grantaward"),
}
EVERY = set(MODELS)
WRITABLE_BY_SUPERUSER = EVERY - {("compliance", "riskassessment")} - IMPORT_RECORDS
WITH_IMPORT = {("compliance", "statement"), ("grants", "grantaward")}
RECOMPUTE_ACTIONS = {
    ("compliance", "statement"): "recompute_affected",
    ("compliance", "federalaction"): "recompute_reached",
    ("jurisdictions", "policystance"): "recompute_affected",
    ("jurisdictions", "official"): "recompute_affected",
    ("grants", "grantaward"): "recompute_affected",
    ("jurisdictions", "jurisdiction"): "recompute_now",
}
# What each role may do, by model.
MAY = {
    "analyst": {"view": EVERY, "write": set(), "recompute": False},
    "editor": {"view": EVERY, "write": EDITED, "recompute": True},
    "superuser": {"view": EVERY, "write": WRITABLE_BY_SUPERUSER, "recompute": True},
}
ROLES = ("anonymous", "analyst", "editor", "superuser")


def _usaspending_transaction() -> Any:
    from grants.models import UsaspendingFile, UsaspendingTransaction

    source = UsaspendingFile.objects.create(
        file_name="prime.csv",
        sha256="0" * 64,
        record="transaction",
        command="import_usaspending",
        imported_at=dt.datetime(2025, 1, 3, tzinfo=dt.UTC),
    )
    return UsaspendingTransaction.objects.create(
        record="transaction", key="TEST_KEY_1", aln="16.738", fiscal_year=2025,
        action_date=dt.date(2025, 1, 2), obligation_cents=100, source_file=source,
    )  # fmt: skip


def test_the_matrix_covers_every_registered_admin() -> None:
    registered = {(m._meta.app_label, m._meta.model_name) for m in admin.site._registry}
    product = {key for key in registered if key[0] in ("compliance", "jurisdictions", "grants")}
    assert product == set(MODELS)


@pytest.mark.parametrize("role", ROLES)
def test_the_data_report_page_for_every_role(role, logged_in) -> None:
    response = logged_in(role).get(reverse("admin:grants_grantaward_data_report"))
    if role == "anonymous":
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
    else:
        assert response.status_code == 200
        assert response.context["title"] == "Data report"


@pytest.fixture
def logged_in(request, client: Client):
    def login(role: str) -> Client:
        if role != "anonymous":
            client.force_login(
                request.getfixturevalue(f"{role}_user" if role != "superuser" else "superuser")
            )
        return client

    return login


def _post_data(key: tuple[str, str], obj: Any) -> dict[str, Any]:
    """The change form's own values for ``obj`` (as a superuser sees the form), inline
    management forms included, ready to POST."""
    model_admin = admin.site._registry[type(obj)]
    request = RequestFactory().get("/")
    request.user = UserFactory(username="form-reader", is_staff=True, is_superuser=True)
    form = model_admin.get_form(request, obj, change=True)(instance=obj)
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif value is None:
            data[name] = ""
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, dt.date):
            data[name] = value.isoformat()
        else:
            data[name] = str(value)
    for formset, _inline in model_admin.get_formsets_with_inlines(request, obj):
        bound = formset(instance=obj, prefix=formset.get_default_prefix())
        for name, value in bound.management_form.initial.items():
            data[f"{bound.prefix}-{name}"] = value
        for inline_form in bound.forms:
            for name in inline_form.fields:
                value = inline_form[name].value()
                if value is None:
                    value = ""
                elif isinstance(value, dt.date):
                    value = value.isoformat()
                elif isinstance(value, bool):
                    if not value:
                        continue
                    value = "on"
                data[inline_form.add_prefix(name)] = str(value)
    return data


def _url(key: tuple[str, str], view: str, *args: Any) -> str:
    app, model = key
    return reverse(f"admin:{app}_{model}_{view}", args=args)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", sorted(MODELS), ids=lambda key: key[1])
def test_every_admin_url_for_every_role(role, key, logged_in, queued) -> None:
    factory, field = MODELS[key]
    obj = factory()
    model = type(obj)
    if field:  # a second version in the history, to revert from
        setattr(obj, field, "version two")
        obj.save()
    first_version = obj.history.order_by("history_date", "history_id").first() if field else None
    client = logged_in(role)
    may = MAY.get(role)
    can_view = bool(may) and key in may["view"]
    can_write = bool(may) and key in may["write"]

    def expect(response, allowed: bool, ok: int = 200) -> None:
        if role == "anonymous":
            assert response.status_code == 302, response.status_code
            assert "/admin/login/" in response["Location"]
        else:
            assert response.status_code == (ok if allowed else 403), (
                f"{role} {key} {response.request['PATH_INFO']}: {response.status_code}"
            )

    # Reads.
    expect(client.get(_url(key, "changelist")), can_view)
    expect(client.get(_url(key, "change", obj.pk)), can_view)
    expect(client.get(_url(key, "history", obj.pk)), can_view)
    if first_version is not None:
        history_form = _url(key, "simple_history", obj.pk, first_version.history_id)
        expect(client.get(history_form), can_view)

    # Add and change.
    expect(client.get(_url(key, "add")), can_write)
    if role != "anonymous" and not can_write:
        expect(client.post(_url(key, "add"), {}), False)
    if field:
        data = _post_data(key, model.objects.get(pk=obj.pk))
        data[field] = "changed through the form"
        response = client.post(_url(key, "change", obj.pk), data)
        expect(response, can_write, ok=302)
        stored = getattr(model.objects.get(pk=obj.pk), field)
        assert (stored == "changed through the form") == can_write, stored

        # Revert to the first version through the history form.
        reverted = _post_data(key, first_version.instance)
        response = client.post(history_form, reverted)
        expect(response, can_write, ok=302)
        stored = getattr(model.objects.get(pk=obj.pk), field)
        original = getattr(first_version, field)
        assert (stored == original) == can_write, (stored, original)

    # Actions: recompute (queues), then bulk delete.
    if key in RECOMPUTE_ACTIONS:
        queued.clear()
        client.post(
            _url(key, "changelist"),
            {"action": RECOMPUTE_ACTIONS[key], "_selected_action": [obj.pk]},
        )
        allowed = bool(may) and may["recompute"]
        assert bool(queued) == allowed, (role, key, queued)

    if key in WITH_IMPORT:
        expect(client.get(_url(key, "import_csv")), can_write)
        if role != "anonymous" and not can_write:
            expect(client.post(_url(key, "import_csv"), {}), False)

    # Delete last: the confirmation page, then the delete itself.
    expect(client.get(_url(key, "delete", obj.pk)), can_write)
    response = client.post(_url(key, "delete", obj.pk), {"post": "yes"})
    expect(response, can_write, ok=302)
    assert model.objects.filter(pk=obj.pk).exists() != can_write
    if not can_write and model.objects.filter(pk=obj.pk).exists():
        client.post(
            _url(key, "changelist"),
            {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
        )
        assert model.objects.filter(pk=obj.pk).exists(), "bulk delete refused too"


@pytest.mark.parametrize("role", ["analyst", "editor"])
def test_roles_cannot_reach_users_groups_or_tokens(role, logged_in) -> None:
    client = logged_in(role)
    for name in ("auth_user", "auth_group", "authtoken_tokenproxy"):
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 403, name
        assert client.get(reverse(f"admin:{name}_add")).status_code == 403, name


def test_a_jurisdiction_revert_keeps_the_computed_columns_and_marks_it_stale(
    client, superuser, queued, django_capture_on_commit_callbacks
) -> None:
    """The history keeps no derived columns: a revert restores what was entered and leaves
    the figures to the recompute it queues."""
    city = JurisdictionFactory(notes="first")
    city.notes = "second"
    city.save()
    Jurisdiction.objects.filter(pk=city.pk).update(
        funding_at_risk_usd=5, max_at_risk_usd=5, exposure_usd=5, stance="sanctuary",
        risk_stale=False,
    )  # fmt: skip
    first = city.history.order_by("history_date", "history_id").first()
    client.force_login(superuser)
    queued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url(("jurisdictions", "jurisdiction"), "simple_history", city.pk, first.history_id),
            _post_data(("jurisdictions", "jurisdiction"), first.instance),
        )
    assert response.status_code == 302
    city.refresh_from_db()
    assert city.notes == "first"
    assert (city.funding_at_risk_usd, city.exposure_usd, city.stance) == (5, 5, "sanctuary")
    assert city.risk_stale is True
    assert queued == [[city.pk]]


@override_settings(AXES_FAILURE_LIMIT=3)
def test_admin_login_is_rate_limited(client) -> None:
    get_user_model().objects.create_user("clerk", password="right password", is_staff=True)
    url = reverse("admin:login")
    for _ in range(2):
        response = client.post(url, {"username": "clerk", "password": "wrong"})
        assert response.status_code == 200  # the form again, with its error
    third = client.post(url, {"username": "clerk", "password": "wrong"})
    assert third.status_code == 429  # the limit reached: locked out
    locked = client.post(url, {"username": "clerk", "password": "right password"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
