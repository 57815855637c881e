"""``manage.py import_usaspending``: USAspending assistance downloads in their real column
layout become grant figures, each transaction counted once, with provenance; a malformed file
writes nothing.

The fixtures (tests/fixtures/usaspending, see its README) hold fictional rows in the full
column layout of the downloads.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from grants.models import GrantAward, UsaspendingFile, UsaspendingTransaction
from grants.usaspending.selectors import usaspending_unmatched_recipients
from jurisdictions.models import Jurisdiction
from tests.factories import GrantAwardFactory, GrantProgramFactory, JurisdictionFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "usaspending"
FIRST = FIXTURES / "prime_transactions_fy2019_fy2020.csv"
FIRST_ZIPPED = FIXTURES / "prime_transactions_fy2019_fy2020.zip"
LATER = FIXTURES / "prime_transactions_fy2020_fy2021_assistance_listing_names.csv"
SUMMARIES = FIXTURES / "prime_award_summaries.csv"
MALFORMED = FIXTURES / "prime_transactions_malformed.csv"


@pytest.fixture
def places() -> dict[str, Jurisdiction]:
    """The jurisdictions the fixtures' recipients are (Testville by its recorded UEI), and the
    programs on record (not Medicaid, 93.778)."""
    for aln, short in (("16.738", "Byrne JAG"), ("16.710", "COPS"), ("16.606", "SCAAP")):
        GrantProgramFactory(aln=aln, short_name=short)
    return {
        "chicago": JurisdictionFactory(name="Chicago", state="IL", slug="chicago-il"),
        "cook": JurisdictionFactory(
            name="Cook County", kind="county", state="IL", fips="17031", slug="cook-county-il"
        ),
        "illinois": JurisdictionFactory(
            name="Illinois", kind="state", state="IL", fips="17", slug="illinois"
        ),
        "testville": JurisdictionFactory(
            name="Testville", state="CA", uei="ZZOTHER00000;ZZTESTUEI001", slug="testville-ca"
        ),
    }


def run(*paths: Path) -> str:
    out = io.StringIO()
    call_command("import_usaspending", *map(str, paths), "--no-progress", stdout=out)
    return out.getvalue()


def figures() -> dict[tuple[str, str, int], int]:
    """Every figure derived from USAspending: (jurisdiction, ALN, fiscal year) -> dollars."""
    return {
        (a.jurisdiction.slug, a.program.aln, a.fiscal_year): a.amount_usd
        for a in GrantAward.objects.filter(usaspending_figure__isnull=False).select_related(
            "jurisdiction", "program"
        )
    }


FIRST_FIGURES = {
    # 100,000.00 obligated, 5,000.40 de-obligated: netted, rounded to whole dollars.
    ("chicago-il", "16.738", 2019): 95_000,
    ("cook-county-il", "16.710", 2020): 250_000,
    # A state agency (business type A) counts for its state.
    ("illinois", "16.738", 2020): 300_000,
    # Matched by the UEI recorded on the jurisdiction.
    ("testville-ca", "16.738", 2020): 12_346,
}


def test_fixtures_have_the_real_column_layout() -> None:
    with FIRST.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert len(header) == 112
    assert header[:3] == [
        "assistance_transaction_unique_key", "assistance_award_unique_key", "award_id_fain",
    ]  # fmt: skip
    assert {"cfda_number", "cfda_title"} <= set(header)
    with LATER.open(newline="", encoding="utf-8") as handle:
        later = next(csv.reader(handle))
    assert {"assistance_listing_number", "assistance_listing_title"} <= set(later)
    assert "cfda_number" not in later
    with SUMMARIES.open(newline="", encoding="utf-8") as handle:
        summaries = next(csv.reader(handle))
    assert len(summaries) == 100
    assert summaries[0] == "assistance_award_unique_key"
    with zipfile.ZipFile(FIRST_ZIPPED) as archive:
        inside = [n for n in archive.namelist() if n.endswith(".csv")]
        assert len(inside) == 1
        assert archive.read(inside[0]) == FIRST.read_bytes()


def test_recipients_match_and_obligations_sum_per_jurisdiction_program_and_year(
    places,
) -> None:
    output = run(FIRST)
    assert figures() == FIRST_FIGURES
    award = GrantAward.objects.get(jurisdiction=places["chicago"], fiscal_year=2019)
    assert (award.figure_kind, award.approximate) == ("award", False)
    assert award.program_label == "Byrne JAG"
    assert award.published_on == dt.date(2019, 1, 15)  # the earliest action
    assert award.published_on_precision == "day"
    assert award.source_url == "https://www.usaspending.gov/award/ASST_NON_TEST-FAIN-0001_015"
    assert "2 transaction(s) of 1 award(s)" in award.notes
    assert award.usaspending_figure.net_obligation_cents == 9_499_960
    assert "7 rows read, 5 matched, 1 unmatched, 1 skipped" in output
    assert "figures 4 created" in output


def test_uei_match_needs_the_uei_on_record(places) -> None:
    Jurisdiction.objects.filter(pk=places["testville"].pk).update(uei="")
    run(FIRST)
    assert ("testville-ca", "16.738", 2020) not in figures()
    unmatched = usaspending_unmatched_recipients()
    assert "TESTVILLE POLICE DEPARTMENT" in {r.name for r in unmatched.recipients}

    # Recorded later, a second import matches the stored rows and adds the figure.
    Jurisdiction.objects.filter(pk=places["testville"].pk).update(uei="ZZTESTUEI001")
    run(FIRST)
    assert figures()[("testville-ca", "16.738", 2020)] == 12_346
    assert "TESTVILLE POLICE DEPARTMENT" not in {
        r.name for r in usaspending_unmatched_recipients().recipients
    }


def test_each_transaction_counts_once_whatever_files_carry_it(places) -> None:
    run(FIRST)
    history = GrantAward.history.count()
    again = run(FIRST, FIRST_ZIPPED)  # the same file, then a zip holding it
    assert figures() == FIRST_FIGURES
    assert GrantAward.history.count() == history  # nothing changed, nothing rewritten
    assert "figures 0 created, 0 updated, 0 removed" in again
    assert "Same content as a file imported" in again

    # A later download overlapping the first (Cook County's and Testville's rows again), with
    # the program columns under their newer names, adds only its new transactions.
    run(LATER)
    assert figures() == {
        **FIRST_FIGURES,
        # 110,000.00 less a 2,500.00 de-obligation (the second row names the city the older
        # way, "CHICAGO, CITY OF").
        ("chicago-il", "16.738", 2021): 107_500,
    }
    assert UsaspendingTransaction.objects.count() == 8
    assert UsaspendingTransaction.objects.filter(key="TEST_TX_0003").count() == 1


def test_an_award_summary_counts_only_while_its_transactions_are_not_on_record(places) -> None:
    run(SUMMARIES)
    # Cook County's COPS award as a summary; Chicago's SCAAP award; an award naming two
    # listings cannot be split by program and is skipped.
    assert figures() == {
        ("cook-county-il", "16.710", 2020): 250_000,
        ("chicago-il", "16.606", 2021): 75_000,
    }
    assert UsaspendingFile.objects.get().rows_skipped == 1
    run(FIRST)  # the same COPS award as transactions: the same money, counted once
    assert figures()[("cook-county-il", "16.710", 2020)] == 250_000
    run(SUMMARIES)  # and in the other order
    assert figures() == {**FIRST_FIGURES, ("chicago-il", "16.606", 2021): 75_000}


def test_unmatched_recipients_are_reported_with_their_totals(places) -> None:
    output = run(FIRST, LATER)  # the nonprofit's transaction is in both files
    assert "Unmatched recipients: 1, $40,000.00 in all" in output.split("assistance_listing")[1]
    assert "EXAMPLE COMMUNITY SAFETY NONPROFIT (CA, UEI ZZTESTUEI999): $40,000.00" in output
    unmatched = usaspending_unmatched_recipients()
    assert unmatched.count == 1
    (recipient,) = unmatched.recipients
    assert (recipient.rows, recipient.obligation_cents, recipient.fiscal_years) == (
        1, 4_000_000, "FY2020",
    )  # fmt: skip
    # Rows under a program not on record are not kept; the output says which.
    assert "93.778 MEDICAL ASSISTANCE PROGRAM (1 rows)" in output
    assert not UsaspendingTransaction.objects.filter(aln="93.778").exists()


def test_malformed_row_stops_its_file_naming_line_and_column(places) -> None:
    with pytest.raises(CommandError) as error:
        run(FIRST, MALFORMED)
    message = str(error.value)
    assert "prime_transactions_malformed.csv, line 3, column 'federal_action_obligation'" in message
    assert "'1O0.00' is not an amount" in message
    # Nothing of the malformed file, not even its good first row; the other file loaded.
    assert not UsaspendingTransaction.objects.filter(key__startswith="TEST_TX_01").exists()
    assert not UsaspendingFile.objects.filter(file_name__endswith="malformed.csv").exists()
    assert figures() == FIRST_FIGURES


def _rewrite(source: Path, target: Path, change) -> Path:
    """A copy of a fixture with ``change(header, rows)`` applied."""
    with source.open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    header, rows = change(header, rows)
    with target.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *rows])
    return target


def _set(column: str, row: int, value: str):
    def change(header, rows):
        rows[row][header.index(column)] = value
        return header, rows

    return change


def _drop(column: str):
    def change(header, rows):
        index = header.index(column)
        return [h for i, h in enumerate(header) if i != index], [
            [c for i, c in enumerate(r) if i != index] for r in rows
        ]

    return change


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (_set("action_date", 1, "2019-02-30"), "line 3, column 'action_date': '2019-02-30' is not"),
        (_set("action_date", 2, "11/05/2019"), "line 4, column 'action_date'"),
        (_set("federal_action_obligation", 0, ""), "line 2, column 'federal_action_obligation'"),
        (_set("action_date_fiscal_year", 0, "2020"), "line 2, column 'action_date_fiscal_year'"),
        (_set("cfda_number", 2, "16.71"), "line 4, column 'cfda_number'"),
        (_set("assistance_transaction_unique_key", 3, ""), "line 5, column 'assistance_transact"),
        (_drop("recipient_state_code"), "line 1, column 'recipient_state_code': required column"),
        (_drop("cfda_number"), "line 1, column 'assistance_listing_number or cfda_number'"),
    ],
)  # fmt: skip
def test_malformed_cells_are_named_and_nothing_is_written(places, tmp_path, change, where) -> None:
    broken = _rewrite(FIRST, tmp_path / "broken.csv", change)
    with pytest.raises(CommandError, match="broken.csv, " + where.replace("(", r"\(")):
        run(broken)
    assert not UsaspendingTransaction.objects.exists()
    assert not GrantAward.objects.exists()
    assert not UsaspendingFile.objects.exists()


def test_files_that_cannot_be_read_are_reported_not_raised(places, tmp_path) -> None:
    latin = tmp_path / "latin1.csv"
    latin.write_bytes(FIRST.read_bytes().replace(b"CITY OF CHICAGO", "CIT\xc9".encode("latin-1")))
    contracts = tmp_path / "contracts.csv"
    contracts.write_text("contract_transaction_unique_key,award_id_piid\nX,Y\n")
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(FIRST_ZIPPED.read_bytes()[:600])
    with pytest.raises(CommandError) as error:
        run(latin, contracts, tmp_path / "missing.csv", FIXTURES / "README.md", truncated)
    message = str(error.value)
    assert "truncated.zip: not a readable zip file" in message
    assert "latin1.csv, line 2, column 'recipient_name': not UTF-8" in message
    assert "contracts.csv, line 1: a contracts file" in message
    assert "missing.csv: no such file" in message
    assert "README.md: give a .csv file or a .zip of them" in message
    assert not UsaspendingTransaction.objects.exists()


def test_a_zip_may_hold_other_csvs_which_are_skipped(places, tmp_path) -> None:
    bundle = tmp_path / "download.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("Assistance_Subawards_1.csv", "subaward_unique_key,prime_award_fain\n")
        archive.writestr("Assistance_PrimeTransactions_1.csv", FIRST.read_bytes())
    output = run(bundle)
    assert "download.zip/Assistance_Subawards_1.csv: skipped" in output
    assert figures() == FIRST_FIGURES


def test_provenance_of_every_file_is_recorded(places) -> None:
    run(FIRST, FIRST_ZIPPED)
    plain, zipped = UsaspendingFile.objects.order_by("imported_at", "id")
    digest = hashlib.sha256(FIRST.read_bytes()).hexdigest()
    assert plain.file_name.endswith("prime_transactions_fy2019_fy2020.csv")
    assert plain.member_name == ""
    assert zipped.file_name.endswith(".zip")
    assert zipped.member_name == "Assistance_PrimeTransactions_2026-01-01_H00M00S00_1.csv"
    for record in (plain, zipped):
        assert record.sha256 == digest  # the CSV's bytes, inside the zip too
        assert record.size_bytes == FIRST.stat().st_size
        assert record.record == "transaction"
        assert (record.rows_read, record.rows_used, record.rows_unmatched, record.rows_skipped) == (
            7, 5, 1, 1,
        )  # fmt: skip
        assert record.command == "manage.py import_usaspending"
        assert record.imported_at is not None
    assert (plain.figures_changed, zipped.figures_changed) == (4, 0)
    assert "93.778" in plain.notes
    # Each transaction names the file its stored values came from: read again unchanged,
    # it keeps the first.
    assert set(UsaspendingTransaction.objects.values_list("source_file", flat=True)) == {plain.pk}


def test_changed_jurisdictions_are_marked_stale_and_queued_once(places, queued) -> None:
    Jurisdiction.objects.update(risk_stale=False, risk_stale_since=None, timeline_stale_from=None)
    run(FIRST, LATER)
    stale = set(Jurisdiction.objects.filter(risk_stale=True).values_list("slug", flat=True))
    assert stale == {"chicago-il", "cook-county-il", "illinois", "testville-ca"}
    chicago = Jurisdiction.objects.get(slug="chicago-il")
    # From the first date a new figure counts (its publication, the earliest action).
    assert chicago.timeline_stale_from == dt.date(2019, 1, 15)
    # One queueing for the whole run, with every jurisdiction marked.
    assert queued == [sorted(j.pk for j in places.values())]

    queued.clear()
    Jurisdiction.objects.update(risk_stale=False)
    run(FIRST, LATER)  # nothing new: nothing marked, nothing queued
    assert not Jurisdiction.objects.filter(risk_stale=True).exists()
    assert queued == []


def test_a_figure_from_another_source_is_kept_and_never_doubled(places) -> None:
    jag = GrantProgramFactory(aln="16.738")
    editor_figure = GrantAwardFactory(
        jurisdiction=places["chicago"], program=jag, fiscal_year=2019, amount_usd=90_000,
        source_url="https://example.org/chicago-jag-2019",
    )  # fmt: skip
    output = run(FIRST)
    assert "Kept the figure on record: Chicago 16.738 FY2019" in output
    rows = GrantAward.objects.filter(jurisdiction=places["chicago"], fiscal_year=2019)
    assert list(rows) == [editor_figure]
    assert GrantAward.objects.get(pk=editor_figure.pk).amount_usd == 90_000


def test_reimport_updates_changed_figures_and_delta_deletions(places, tmp_path) -> None:
    run(FIRST)
    # USAspending corrected a transaction in place: same key, new amount.
    corrected = _rewrite(
        FIRST, tmp_path / "corrected.csv", _set("federal_action_obligation", 0, "120000.00")
    )
    output = run(corrected)
    assert "figures 0 created, 1 updated" in output
    award = GrantAward.objects.get(jurisdiction=places["chicago"], fiscal_year=2019)
    assert award.amount_usd == 115_000
    assert award.history.first().history_change_reason == "USAspending import"
    assert UsaspendingTransaction.objects.get(key="TEST_TX_0001").source_file.file_name.endswith(
        "corrected.csv"
    )
    assert UsaspendingTransaction.objects.get(key="TEST_TX_0002").source_file.file_name.endswith(
        "prime_transactions_fy2019_fy2020.csv"
    )

    # A delta file (correction_delete_ind in front) deletes the first transaction: only the
    # de-obligation is left, a negative net, shown as $0 and explained.
    def delete_first(header, rows):
        return ["correction_delete_ind", *header], [["D", *rows[0]]]

    run(_rewrite(FIRST, tmp_path / "delta.csv", delete_first))
    award.refresh_from_db()
    assert award.amount_usd == 0
    assert "net was negative ($-5,000.40)" in award.notes
    assert not UsaspendingTransaction.objects.filter(key="TEST_TX_0001").exists()
    assert UsaspendingFile.objects.latest("imported_at").rows_deleted == 1

    # Every row of a figure deleted: the figure goes.
    def delete_both(header, rows):
        return ["correction_delete_ind", *header], [["D", *rows[0]], ["D", *rows[1]]]

    run(_rewrite(FIRST, tmp_path / "delta2.csv", delete_both))
    assert not GrantAward.objects.filter(jurisdiction=places["chicago"], fiscal_year=2019).exists()


def test_bad_options_are_refused(places) -> None:
    with pytest.raises(CommandError, match="--batch-size"):
        call_command("import_usaspending", str(FIRST), "--batch-size", "0")


def test_small_batches_give_the_same_figures(places) -> None:
    call_command(
        "import_usaspending", str(FIRST), str(LATER), "--batch-size", "1", "--no-progress",
        stdout=io.StringIO(),
    )  # fmt: skip
    assert figures()[("chicago-il", "16.738", 2021)] == 107_500
    assert figures()[("chicago-il", "16.738", 2019)] == 95_000
