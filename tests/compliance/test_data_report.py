"""The data report: its figures on a small dataset, the command (text and JSON) and the admin
page with its permissions."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from compliance.models import FederalActionStatus
from compliance.selectors.data_report import data_report_read
from grants.models import GrantAwardShare, UsaspendingFile, UsaspendingTransaction
from tests.factories import (
    FederalActionFactory,
    GrantAwardFactory,
    GrantProgramFactory,
    JurisdictionFactory,
    PolicyStanceFactory,
    RiskAssessmentFactory,
    UserFactory,
)
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db

URL = "/admin/grants/grantaward/data-report/"


def _assessment(jurisdiction, *, exposure: int, programs: list[dict], computed_at: dt.datetime):
    return RiskAssessmentFactory(
        jurisdiction=jurisdiction, exposure_usd=exposure, max_at_risk_usd=0,
        funding_at_risk_usd=0, programs=programs, computed_at=computed_at,
    )  # fmt: skip


@pytest.fixture
def dataset():
    """Four places: complete; no stance; only old figures (and a recent budget line, which
    never counts); a member of a recent joint award. Two approximate figures; a status dated by
    its cause; one unmatched USAspending recipient (two transactions, one a de-obligation); and
    assessments whose latest rows put $600 of $2,000 of exposure on approximate figures."""
    jag = GrantProgramFactory(aln="16.738", short_name="Byrne JAG")
    cops = GrantProgramFactory(aln="16.710", short_name="COPS")
    complete = JurisdictionFactory(name="Alpha", slug="alpha-ca")
    no_stance = JurisdictionFactory(name="Bravo", slug="bravo-ca")
    old_figures = JurisdictionFactory(name="Charlie", slug="charlie-ca")
    member = JurisdictionFactory(name="Delta", slug="delta-ca")
    for place in (complete, old_figures, member):
        PolicyStanceFactory(jurisdiction=place)
    GrantAwardFactory(jurisdiction=complete, program=jag, fiscal_year=2023)
    GrantAwardFactory(jurisdiction=no_stance, program=jag, fiscal_year=2024,
                      figure_kind="estimate", amount_usd=500_000)  # fmt: skip
    GrantAwardFactory(jurisdiction=old_figures, program=jag, fiscal_year=2020, approximate=True)
    GrantAwardFactory(jurisdiction=old_figures, program=None, program_label="Federal revenue",
                      fiscal_year=2023, figure_kind="budget")  # fmt: skip
    joint = GrantAwardFactory(jurisdiction=complete, program=cops, fiscal_year=2022)
    GrantAwardShare.objects.create(award=joint, jurisdiction=member, amount_usd=1_000,
                                   source_url="https://example.org/share")  # fmt: skip

    ruling = FederalActionFactory(effect="injunction", issued_on=dt.date(2025, 4, 1))
    blocked = FederalActionFactory(issued_on=dt.date(2025, 2, 1))
    FederalActionStatus.objects.create(action=blocked, status="enjoined", caused_by=ruling)

    upload = UsaspendingFile.objects.create(
        file_name="download.csv", sha256="0" * 64, record="transaction", rows_read=2,
        rows_unmatched=2, command="test", imported_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )  # fmt: skip
    for key, cents, year in (("TEST_TX_1", 4_000_000, 2020), ("TEST_TX_2", -150, 2021)):
        UsaspendingTransaction.objects.create(
            record="transaction", key=key, award_key="ASST_NON_TEST_1",
            recipient_uei="ZZTEST000001", recipient_name="EXAMPLE NONPROFIT",
            recipient_state="CA", aln="16.738", fiscal_year=year,
            action_date=dt.date(year - 1, 11, 1), obligation_cents=cents, source_file=upload,
        )  # fmt: skip

    day = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    # An older assessment of Alpha, all approximate: superseded, it must not count.
    _assessment(complete, exposure=5_000, computed_at=day - dt.timedelta(days=30), programs=[
        {"aln": "16.738", "exposure_usd": 5_000, "approximate": True},
    ])  # fmt: skip
    _assessment(complete, exposure=1_000, computed_at=day, programs=[
        {"aln": "16.738", "exposure_usd": 600, "approximate": True},
        {"aln": "16.710", "exposure_usd": 400, "approximate": False},
    ])  # fmt: skip
    _assessment(old_figures, exposure=1_000, computed_at=day, programs=[
        {"aln": "16.738", "exposure_usd": 1_000, "approximate": False},
    ])  # fmt: skip
    return {"complete": complete, "no_stance": no_stance, "old": old_figures, "member": member}


def test_the_report_finds_what_the_records_lack(dataset) -> None:
    report = data_report_read()
    assert [j.slug for j in report.without_stance.rows] == ["bravo-ca"]
    assert report.without_stance.count == 1
    # Charlie has only FY2020 and a budget line; Bravo's estimate is recent; Delta shares a
    # recent joint award.
    assert [j.slug for j in report.without_recent_figure.rows] == ["charlie-ca"]
    approximate = {(f.jurisdiction, f.fiscal_year, f.figure_kind, f.approximate)
                   for f in report.approximate_figures.rows}  # fmt: skip
    assert approximate == {("Bravo", 2024, "estimate", False), ("Charlie", 2020, "award", True)}
    # The only status change is dated by the ruling that caused it.
    assert report.undated_statuses.count == 0
    unmatched = report.unmatched_recipients
    assert unmatched.count == 1
    (recipient,) = unmatched.recipients
    assert (recipient.name, recipient.rows, recipient.obligation_usd) == (
        "EXAMPLE NONPROFIT", 2, 39_999,  # $40,000.00 less $1.50, half up
    )  # fmt: skip
    assert recipient.fiscal_years == "FY2020-FY2021"
    exposure = report.approximate_exposure
    assert (exposure.exposure_usd, exposure.approximate_usd) == (2_000, 600)
    assert exposure.share == pytest.approx(0.3)
    assert (exposure.jurisdictions_assessed, exposure.jurisdictions_with_approximate) == (2, 1)


def test_the_threshold_year_and_the_limit_apply(dataset) -> None:
    report = data_report_read(since_fiscal_year=2024, limit=1)
    # From FY2024 on only Bravo's estimate counts; Alpha, Charlie and Delta lack one.
    assert report.without_recent_figure.count == 3
    assert len(report.without_recent_figure.rows) == 1


def test_the_report_reads_in_a_fixed_number_of_queries(dataset) -> None:
    few = count_queries(lambda: data_report_read(limit=None))
    for number in range(10):
        place = JurisdictionFactory(name=f"Echo {number}")
        GrantAwardFactory(jurisdiction=place, fiscal_year=2019, approximate=True)
        _assessment(place, exposure=10, computed_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
                    programs=[{"aln": "x", "exposure_usd": 10, "approximate": True}])  # fmt: skip
    assert count_queries(lambda: data_report_read(limit=None)) == few


def test_an_empty_database_reports_no_share() -> None:
    report = data_report_read()
    assert report.approximate_exposure.share is None
    assert report.without_stance.count == 0


def test_command_prints_text_and_json(dataset) -> None:
    out = io.StringIO()
    call_command("data_report", stdout=out)
    text = out.getvalue()
    assert "Jurisdictions without a stance: 1\n  Bravo, CA (city) bravo-ca" in text
    assert "Jurisdictions without a figure from FY2022 on: 1" in text
    assert "Approximate figures: 2" in text
    assert "Status changes without a date: 0" in text
    assert "EXAMPLE NONPROFIT (CA, UEI ZZTEST000001): $39,999 in 2 row(s), FY2020-FY2021" in text
    assert "National exposure resting on approximate figures: 30.0% ($600 of $2,000" in text

    out = io.StringIO()
    call_command("data_report", "--format", "json", "--limit", "0", stdout=out)
    data = json.loads(out.getvalue())
    assert data["without_stance"]["count"] == 1
    assert data["without_stance"]["rows"][0]["slug"] == "bravo-ca"
    assert data["approximate_exposure"]["share"] == pytest.approx(0.3)
    assert data["unmatched_recipients"]["recipients"][0]["obligation_usd"] == 39_999
    assert data["unmatched_recipients"]["obligation_usd"] == 39_999


@pytest.mark.parametrize(
    "arguments", [["--limit", "-1"], ["--since-fiscal-year", "1900"]], ids=["limit", "year"]
)
def test_command_refuses_bad_options(arguments) -> None:
    with pytest.raises(CommandError):
        call_command("data_report", *arguments, stdout=io.StringIO())


def test_anonymous_visitors_get_the_login_page(client, dataset) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_staff_without_view_permission_are_refused(client, dataset) -> None:
    client.force_login(UserFactory(username="clerk", is_staff=True))
    assert client.get(URL).status_code == 403
    assert b"data-report-module" not in client.get(reverse("admin:index")).content


@pytest.mark.parametrize("role", ["analyst_user", "editor_user", "superuser"])
def test_analysts_and_editors_see_the_page_linked_from_the_index(
    request, client, dataset, role
) -> None:
    client.force_login(request.getfixturevalue(role))
    index = client.get(reverse("admin:index")).content.decode()
    assert 'id="data-report-module"' in index
    assert URL in index
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Jurisdictions without a stance (1)" in page
    assert "Bravo" in page
    assert "Jurisdictions without a figure from FY2022 on (1)" in page
    assert "Approximate figures (2)" in page
    assert "Status changes without a date (0)" in page
    assert "USAspending recipients matched to no jurisdiction (1)" in page
    assert "EXAMPLE NONPROFIT" in page
    assert "<strong>30.0%</strong>" in page


def test_analysts_may_view_the_import_provenance(client, analyst_user, dataset) -> None:
    client.force_login(analyst_user)
    assert client.get(reverse("admin:grants_usaspendingfile_changelist")).status_code == 200
    listing = client.get(reverse("admin:grants_usaspendingtransaction_changelist"))
    assert listing.status_code == 200
    assert b"TEST_TX_1" in listing.content
    assert client.get(reverse("admin:grants_usaspendingfile_add")).status_code == 403


def test_every_reference_jurisdiction_has_a_recent_figure_or_says_why() -> None:
    """With the bundled reference data: a jurisdiction without a figure from FY2022 on says
    what was searched, and the report prints it."""
    call_command("load_reference_data", stdout=io.StringIO())
    report = data_report_read(limit=None)
    assert report.without_recent_figure.count < 40
    silent = [g.name for g in report.without_recent_figure.rows if not g.note.strip()]
    assert silent == []
    out = io.StringIO()
    call_command("data_report", "--limit", "0", stdout=out)
    assert "why: " in out.getvalue()
    assert "no reason recorded" not in out.getvalue()
