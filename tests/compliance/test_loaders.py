"""The reference-data loader: loads the shared dataset, is idempotent, fails atomically."""

from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from compliance.loaders import REFERENCE_DIR
from compliance.loaders.derive import jurisdiction_ocd_id, jurisdiction_slug
from compliance.models import ActionBlock, FederalAction, FederalActionStatus, Statement
from grants.models import GrantAward, GrantAwardShare, GrantProgram
from jurisdictions.models import Jurisdiction, Official, PolicyStance

pytestmark = pytest.mark.django_db(transaction=True)

EXPECTED = {
    Jurisdiction: 83,
    GrantProgram: 13,
    Official: 54,
    PolicyStance: 205,
    Statement: 71,
    FederalAction: 77,
    FederalActionStatus: 29,
    ActionBlock: 34,
    GrantAward: 150,
    GrantAwardShare: 15,
}


def load(directory: Path = REFERENCE_DIR) -> str:
    out = StringIO()
    call_command("load_reference_data", directory=directory, stdout=out)
    return out.getvalue()


def counts() -> dict[type, int]:
    return {model: model.objects.count() for model in EXPECTED}


def test_loads_the_reference_dataset_with_sources_and_derived_ids() -> None:
    output = load()
    assert counts() == EXPECTED
    assert "jurisdictions.csv: 83 created" in output

    nyc = Jurisdiction.objects.get(slug="new-york-city-ny")
    assert nyc.ocd_id == "ocd-division/country:us/state:ny/place:new_york"
    assert nyc.fips == "3651000"
    assert nyc.parent.slug == "new-york"
    assert Jurisdiction.objects.get(slug="cook-county-il").ocd_id == (
        "ocd-division/country:us/state:il/county:cook"
    )
    assert Jurisdiction.objects.get(slug="california").parent is None
    assert Jurisdiction.objects.get(slug="district-of-columbia").ocd_id == (
        "ocd-division/country:us/district:dc"
    )
    # Current stance follows the open period of the timeline, once the queued recompute ran.
    call_command("recompute_risk", "--no-progress", "--processes", "1", stdout=StringIO())
    chicago = Jurisdiction.objects.get(slug="chicago-il")
    assert chicago.stance == "sanctuary"
    assert str(chicago.stance_since) == "1985-01-01"  # unbroken since the 1985 order

    # Every sourced record keeps its source URL.
    for model in (PolicyStance, Statement, FederalAction, GrantAward, Official, GrantProgram):
        assert not model.objects.filter(source_url="").exists(), model

    # Actions carry their targets, programs and effects.
    eo = FederalAction.objects.get(issued_on="2017-01-25", kind="executive_order")
    assert eo.targets_all_sanctuary
    assert eo.covers_all_programs
    assert eo.status == "rescinded"
    oig = FederalAction.objects.get(issued_on="2016-05-31")
    assert set(oig.programs.values_list("aln", flat=True)) == {"16.738", "16.606"}
    assert oig.targets.count() == 10

    # Statements link the official when one holds office, else keep the named speaker.
    assert Statement.objects.filter(official__name="Bill de Blasio").count() == 4
    spokesperson = Statement.objects.get(speaker__startswith="Lauren Hitt")
    assert spokesperson.official is None

    # Budget-wide figures are kept without a program; grant figures link theirs.
    assert GrantAward.objects.filter(program__isnull=True).count() == 10
    assert GrantAward.objects.filter(program__aln="16.738").count() == 95
    assert GrantAward.objects.filter(program__aln="14.218").count() == 29
    # A jurisdiction without a recent figure says why (the data report shows it).
    assert "joint" in Jurisdiction.objects.get(slug="berkeley-ca").figures_note.lower()
    # Statuses are dated: enjoined, in effect again when the nationwide injunction was lifted
    # (the plaintiffs' own injunctions stand, as blocks), rescinded.
    changes = sorted((str(c.on), c.status) for c in eo.status_changes.select_related("caused_by"))
    assert changes == [
        ("2017-04-25", "enjoined"), ("2017-11-20", "enjoined"), ("2018-08-01", "in_effect"),
        ("2021-01-20", "rescinded"),
    ]  # fmt: skip
    # A joint award is counted once: its members' shares never exceed it.
    for award in GrantAward.objects.filter(shares__isnull=False).distinct():
        assert sum(s.amount_usd or 0 for s in award.shares.all()) <= award.amount_usd


def test_second_run_changes_nothing_and_says_so() -> None:
    load()
    before = counts()
    history_before = Statement.history.count()
    output = load()
    assert counts() == before
    assert Statement.history.count() == history_before
    assert "Nothing changed" in output
    assert "0 created, 0 updated" in output


def test_malformed_row_stops_its_file_and_writes_nothing(tmp_path: Path) -> None:
    directory = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, directory)
    awards = directory / "grant_awards.csv"
    lines = awards.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace(",2020,", ",20X0,", 1)
    awards.write_text("".join(lines), encoding="utf-8")

    with pytest.raises(CommandError) as error:
        load(directory)
    message = str(error.value)
    assert "grant_awards.csv" in message
    assert "line 4" in message
    assert "fiscal_year" in message
    # The awards file is atomic: nothing of it was written; earlier files were loaded.
    assert GrantAward.objects.count() == 0
    assert Jurisdiction.objects.count() == 83


def test_unknown_jurisdiction_name_fails_loudly(tmp_path: Path) -> None:
    directory = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, directory)
    statements = directory / "statements.csv"
    text = statements.read_text(encoding="utf-8")
    statements.write_text(text.replace("\nChicago,", "\nChicagoo,", 1), encoding="utf-8")

    with pytest.raises(CommandError, match=r"statements.csv, line .*'jurisdiction'.*Chicagoo"):
        load(directory)
    assert Statement.objects.count() == 0


def test_a_changed_cell_updates_one_row(tmp_path: Path) -> None:
    load()
    directory = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, directory)
    programs = directory / "grant_programs.csv"
    text = programs.read_text(encoding="utf-8")
    programs.write_text(
        text.replace("Office of Community Oriented Policing Services", "COPS Office", 1),
        encoding="utf-8",
    )
    output = load(directory)
    assert "grant_programs.csv: 0 created, 1 updated, 12 unchanged" in output
    assert GrantProgram.objects.get(aln="16.710").sub_agency == "COPS Office"


@pytest.mark.parametrize(
    ("name", "kind", "state", "slug", "ocd"),
    [
        ("California", "state", "CA", "california", "ocd-division/country:us/state:ca"),
        ("New York State", "state", "NY", "new-york", "ocd-division/country:us/state:ny"),
        (
            "Miami-Dade County",
            "county",
            "FL",
            "miami-dade-county-fl",
            "ocd-division/country:us/state:fl/county:miami-dade",
        ),
        (
            "San Francisco",
            "consolidated",
            "CA",
            "san-francisco-ca",
            "ocd-division/country:us/state:ca/place:san_francisco",
        ),
        (
            "Jersey City",
            "city",
            "NJ",
            "jersey-city-nj",
            "ocd-division/country:us/state:nj/place:jersey_city",
        ),
    ],
)
def test_identifier_conventions(name: str, kind: str, state: str, slug: str, ocd: str) -> None:
    assert jurisdiction_slug(name=name, kind=kind, state=state) == slug
    assert jurisdiction_ocd_id(name=name, kind=kind, state=state) == ocd


def test_files_loaded_before_a_failure_keep_their_recompute(tmp_path: Path) -> None:
    directory = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, directory)
    awards = directory / "grant_awards.csv"
    awards.write_text(awards.read_text(encoding="utf-8").replace(",2017,", ",20X7,", 1))
    with pytest.raises(CommandError):
        load(directory)
    # Statements and actions committed before the awards file failed: their jurisdictions
    # were marked stale in the same transactions, so the recompute is not lost.
    chicago = Jurisdiction.objects.get(slug="chicago-il")
    assert chicago.risk_generation > 0
    assert Statement.objects.filter(jurisdiction=chicago).exists()


def test_a_non_utf8_file_is_refused_with_its_name(tmp_path: Path) -> None:
    directory = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, directory)
    programs = directory / "grant_programs.csv"
    programs.write_bytes(programs.read_bytes().replace(b"Program", b"Progr\xe4m", 1))
    with pytest.raises(CommandError, match=r"grant_programs.csv.*not UTF-8"):
        load(directory)
    assert GrantProgram.objects.count() == 0
