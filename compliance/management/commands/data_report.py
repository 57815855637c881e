"""Print the data report (``compliance.selectors.data_report``): what the records lack."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder

from compliance.selectors.data_report import RECENT_FISCAL_YEAR, DataReport, data_report_read


def _money(usd: int) -> str:
    return f"${usd:,}"


class Command(BaseCommand):
    help = (
        "List what the records lack: jurisdictions without a stance, jurisdictions without a "
        "figure from a recent fiscal year, approximate figures, undated status changes, "
        "USAspending recipients no jurisdiction matched, and the share of national exposure "
        "resting on approximate figures. Text, or JSON with --format json."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument(
            "--limit", type=int, default=50, metavar="N",
            help="Rows listed per section (default 50; 0 lists every row). Counts are total.",
        )  # fmt: skip
        parser.add_argument(
            "--since-fiscal-year", type=int, default=RECENT_FISCAL_YEAR, metavar="YEAR",
            help=f"A figure from this fiscal year on is recent (default {RECENT_FISCAL_YEAR}).",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        if options["limit"] < 0:
            raise CommandError("--limit must be 0 (every row) or more.")
        if not 1980 <= options["since_fiscal_year"] <= 2100:
            raise CommandError("--since-fiscal-year must be a fiscal year from 1980 to 2100.")
        report = data_report_read(
            since_fiscal_year=options["since_fiscal_year"], limit=options["limit"] or None
        )
        if options["format"] == "json":
            self.stdout.write(json.dumps(_as_json(report), cls=DjangoJSONEncoder, indent=2))
            return
        self._text(report)

    def _text(self, report: DataReport) -> None:
        write = self.stdout.write

        def heading(title: str, count: int, shown: int) -> None:
            more = f" (first {shown} listed)" if shown < count else ""
            write(f"\n{title}: {count:,}{more}")

        failed = report.failed_recomputes
        heading("Jurisdictions whose recompute failed", failed.count, len(failed.rows))
        for bad in failed.rows:
            when = f"{bad.failed_at:%Y-%m-%d %H:%M} UTC" if bad.failed_at else "unknown time"
            write(f"  {bad.name}, {bad.state} ({bad.kind}) {bad.slug}: {bad.failures} "
                  f"failure(s), last {when}: {bad.error}")  # fmt: skip
        section = report.without_stance
        heading("Jurisdictions without a stance", section.count, len(section.rows))
        for j in section.rows:
            write(f"  {j.name}, {j.state} ({j.kind}) {j.slug}")
        gaps = report.without_recent_figure
        heading(
            f"Jurisdictions without a figure from FY{report.since_fiscal_year} on",
            gaps.count, len(gaps.rows),
        )  # fmt: skip
        for g in gaps.rows:
            write(f"  {g.name}, {g.state} ({g.kind}) {g.slug}")
            write(f"    why: {g.note or 'no reason recorded (fill in figures_note)'}")
        figures = report.approximate_figures
        heading("Approximate figures", figures.count, len(figures.rows))
        for f in figures.rows:
            flag = "approximate " if f.approximate else ""
            write(
                f"  {f.jurisdiction}: {f.program} {f.aln or ''} FY{f.fiscal_year} "
                f"{_money(f.amount_usd)} ({flag}{f.figure_kind}) {f.source_url}"
            )
        statuses = report.undated_statuses
        heading("Status changes without a date", statuses.count, len(statuses.rows))
        for s in statuses.rows:
            write(f"  {s.action} ({s.action_issued_on}): {s.status}, change #{s.id}")
        unmatched = report.unmatched_recipients
        heading("USAspending recipients matched to no jurisdiction", unmatched.count,
                len(unmatched.recipients))  # fmt: skip
        if unmatched.count:
            write(f"  in all {_money((unmatched.obligation_cents + 50) // 100)}")
        for r in unmatched.recipients:
            write(
                f"  {r.name or '(no name)'} ({r.state or '--'}, UEI {r.uei or 'none'}): "
                f"{_money(r.obligation_usd)} in {r.rows} row(s), {r.fiscal_years}"
            )
        exposure = report.approximate_exposure
        share = "n/a" if exposure.share is None else f"{exposure.share:.1%}"
        write(
            f"\nNational exposure resting on approximate figures: {share} "
            f"({_money(exposure.approximate_usd)} of {_money(exposure.exposure_usd)}; "
            f"{exposure.jurisdictions_with_approximate:,} of {exposure.jurisdictions_assessed:,} "
            f"assessed jurisdictions; {exposure.jurisdictions_stale:,} of them awaiting a "
            "recompute)"
        )


def _as_json(report: DataReport) -> dict[str, Any]:
    data = dataclasses.asdict(report)
    unmatched = report.unmatched_recipients
    data["unmatched_recipients"]["obligation_usd"] = (unmatched.obligation_cents + 50) // 100
    for row, recipient in zip(
        data["unmatched_recipients"]["recipients"], unmatched.recipients, strict=True
    ):
        row["obligation_usd"] = recipient.obligation_usd
    data["approximate_exposure"]["share"] = report.approximate_exposure.share
    return data
