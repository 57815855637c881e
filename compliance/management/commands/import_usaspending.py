"""Import USAspending financial-assistance downloads (``compliance.loaders.usaspending``)."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from compliance.loaders.usaspending import Outcome, usaspending_downloads_import
from grants.choices import UsaspendingRecord
from grants.usaspending.layout import UnknownLayoutError, UsaspendingFileError
from grants.usaspending.results import FileImportResult
from grants.usaspending.sources import DownloadFile

LISTS: dict[str, str] = {
    UsaspendingRecord.TRANSACTION: "prime transactions",
    UsaspendingRecord.AWARD_SUMMARY: "prime award summaries",
}


def _dollars(cents: int) -> str:
    return f"${cents / 100:,.2f}"


class Command(BaseCommand):
    help = (
        "Import USAspending award downloads for financial assistance: the prime transactions "
        "or prime award summaries CSV (Custom Award Data or the Award Data Archive), or a zip "
        "holding them. Matches recipients to jurisdictions (UEI, else legal name and state), "
        "sums obligations per jurisdiction, Assistance Listing and fiscal year into grant "
        "figures, and records each file read. Each transaction counts once, whatever files "
        "carry it. A malformed row stops its file (named with line and column), which then "
        "writes nothing; the other files load."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="CSV or zip.")
        parser.add_argument("--batch-size", type=int, default=5_000, help="Rows per write.")
        parser.add_argument(
            "--show-unmatched", type=int, default=10, metavar="N",
            help="Unmatched recipients listed per file (default 10; all in `data_report`).",
        )  # fmt: skip
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        bars: dict[DownloadFile, tqdm] = {}

        def start(download: DownloadFile) -> Any:
            bar = tqdm(
                total=download.size or None, desc=download.label[-40:], unit="B",
                unit_scale=True, disable=options["no_progress"], file=sys.stderr,
            )  # fmt: skip
            bars[download] = bar
            return bar.update

        def done(download: DownloadFile | None, outcome: Outcome) -> None:
            bar = bars.pop(download, None) if download is not None else None
            if bar is not None:
                bar.close()
            if isinstance(outcome, UnknownLayoutError) and download and download.member:
                self.stdout.write(f"{download.label}: skipped ({outcome.reason}).")
            elif isinstance(outcome, UsaspendingFileError):
                self.stderr.write(self.style.ERROR(f"Not loaded: {outcome}"))
            else:
                label = download.label if download is not None else outcome.file.file_name
                self._report(outcome, label=label, shown=options["show_unmatched"])

        run = usaspending_downloads_import(
            paths=options["paths"],
            command="manage.py import_usaspending",
            imported_by=_login(), batch_size=options["batch_size"], on_start=start, on_done=done,
        )  # fmt: skip
        summary = (
            f"{len(run.loaded)} file(s) loaded; {len(run.marked_ids)} jurisdiction(s) marked "
            f"stale and {run.queued} queued for recompute (the others already had a recompute "
            "waiting; the periodic sweep finds any left stale)."
        )
        if run.failed:
            self.stdout.write(summary)
            raise CommandError(
                f"{len(run.failed)} file(s) not loaded (nothing written from them): "
                + "; ".join(str(error) for error in run.failed)
            )
        self.stdout.write(self.style.SUCCESS(summary))

    def _report(self, result: FileImportResult, *, label: str, shown: int) -> None:
        record = result.file
        write = self.stdout.write
        write(
            f"{label} ({LISTS[record.record]}, "
            f"sha256 {record.sha256[:12]}…): {record.rows_read:,} rows read, "
            f"{record.rows_used:,} matched, {record.rows_unmatched:,} unmatched, "
            f"{record.rows_skipped:,} skipped, {record.rows_deleted:,} deletions; figures "
            f"{result.figures_created} created, {result.figures_updated} updated, "
            f"{result.figures_removed} removed."
        )
        if result.same_content_as is not None:
            earlier = result.same_content_as.imported_at
            write(
                f"  Same content as a file imported on {earlier:%Y-%m-%d %H:%M}: "
                "no row counted twice."
            )
        if result.unmatched_recipients:
            write(
                f"  Unmatched recipients: {result.unmatched_recipients:,}"
                f"{' or more' if result.unmatched_capped else ''}, "
                f"{_dollars(result.unmatched_cents)} in all (record their UEI on the "
                "jurisdiction, then import again):"
            )
            for recipient in result.unmatched[:shown]:
                write(
                    f"    {recipient.name or '(no name)'} ({recipient.state or '--'}, UEI "
                    f"{recipient.uei or 'none'}): {_dollars(recipient.obligation_cents)} in "
                    f"{recipient.rows} row(s)"
                )
        if result.skipped_programs:
            listed = ", ".join(
                f"{aln} {title}".strip() + f" ({count:,} rows)"
                for aln, (count, title) in sorted(
                    result.skipped_programs.items(), key=lambda item: -item[1][0]
                )[:10]
            )
            write(
                "  Skipped (no program on record; add it to the grant programs, then import "
                f"again): {listed}"
            )
        for conflict in result.conflicts:
            write(f"  Kept the figure on record: {conflict}")


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in this environment
        return ""
