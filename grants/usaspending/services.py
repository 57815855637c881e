"""Writes of the USAspending import: one CSV in one transaction, then the figures it changes.

A file is streamed and its rows stored in batches, keyed on USAspending's unique key: a new key
is added, a changed row rewritten, a row already on record as it is left alone, so no
transaction ever counts twice, whatever files carry it. The grant figures of every
jurisdiction, program and fiscal year whose rows changed are then derived again from the
stored rows (``figures``). Bulk writes fire no model signals: the jurisdictions whose
figures changed are announced with ``awards_imported`` inside the file's transaction, as the
CSV import of awards does, and compliance marks them stale.
"""

from __future__ import annotations

import csv
import zipfile
import zlib
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone

from jurisdictions.models import Jurisdiction

from ..choices import UsaspendingRecord
from ..models import (
    GrantProgram,
    UsaspendingFile,
    UsaspendingTransaction,
)
from .figures import (
    COMPARED,
    FIRST_COMPARED,
    LAST_COMPARED,
    ROW_AT,
    StoredRow,
    figures_derive,
    rows_store,
)
from .layout import (
    RowReader,
    UsaspendingFileError,
    layout_for,
)
from .matching import JurisdictionRef, RecipientMatcher
from .results import FileImportResult, Group, RecipientTotal
from .sources import DownloadFile

COMMAND = "manage.py import_usaspending"
BATCH_SIZE = 5_000
# Unmatched recipients a file's result lists (the data report lists them all), and how many
# distinct ones a file's summary keeps count of (memory stays bounded on a national file).
UNMATCHED_SHOWN = 20
UNMATCHED_KEPT = 50_000


def usaspending_file_import(
    *,
    download: DownloadFile,
    command: str = COMMAND,
    imported_by: str = "",
    progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> FileImportResult:
    """Import one USAspending assistance CSV in one transaction: all of it, or nothing.

    Raises ``UsaspendingFileError`` (naming the file, line and column) for a file that is not
    UTF-8, not an assistance download (``UnknownLayoutError``), lacks a required column or has a
    malformed row; nothing of it is then written. ``progress`` is called with the bytes read
    since its last call.
    """
    programs = {p.aln: p for p in GrantProgram.objects.all()}
    matcher = RecipientMatcher.build(
        JurisdictionRef(*row)
        for row in Jurisdiction.objects.values_list("pk", "name", "kind", "state", "uei")
    )
    importer = _FileImporter(
        download=download, programs=programs, matcher=matcher, batch_size=batch_size
    )
    try:
        with transaction.atomic(), download.open() as stream:
            importer.read(stream.text, progress=progress, bytes_read=lambda: stream.bytes_read)
            record = importer.record
            record.sha256 = stream.sha256()
            record.size_bytes = stream.bytes_read
            result = FileImportResult(file=record)
            figures_derive(importer.touched, programs=programs, filename=download.label,
                            result=result)  # fmt: skip
            record.figures_changed = result.figures_changed
            record.notes = importer.notes(result)
            record.imported_at = timezone.now()
            record.command, record.imported_by = command[:200], imported_by[:150]
            record.save()
    except csv.Error as error:
        raise UsaspendingFileError(
            download.label, f"not readable as CSV ({error})", line=importer.line or None
        ) from error
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise UsaspendingFileError(
            download.label, f"the file cannot be read to its end ({error})",
            line=importer.line or None,
        ) from error  # fmt: skip
    result.skipped_programs = dict(importer.skipped_programs)
    result.same_content_as = (
        UsaspendingFile.objects.filter(sha256=record.sha256).exclude(pk=record.pk).first()
    )
    largest = sorted(importer.unmatched.items(), key=lambda item: (-item[1][1], item[0]))
    result.unmatched = [
        RecipientTotal(uei, name, state, rows, cents)
        for (uei, name, state), (rows, cents) in largest[:UNMATCHED_SHOWN]
    ]
    result.unmatched_recipients = len(importer.unmatched)
    result.unmatched_capped = importer.unmatched_capped
    result.unmatched_cents = importer.unmatched_cents
    return result


class _FileImporter:
    """Reads one file's rows into batches and upserts them, collecting the figures touched."""

    def __init__(
        self, *, download: DownloadFile, programs: dict[str, GrantProgram],
        matcher: RecipientMatcher, batch_size: int,
    ) -> None:  # fmt: skip
        self.download, self.programs, self.matcher = download, programs, matcher
        self.batch_size = max(1, batch_size)
        self.line = 0
        self.record = UsaspendingFile(
            file_name=str(download.path)[-255:], member_name=download.member[-255:]
        )
        self.touched: set[Group] = set()
        self.skipped_programs: dict[str, tuple[int, str]] = {}
        self.several_programs = 0
        self.batch: dict[str, StoredRow] = {}
        # Unmatched recipients of this file: (UEI, name, state) -> [rows, cents].
        self.unmatched: dict[tuple[str, str, str], list[int]] = {}
        self.unmatched_cents = 0
        self.unmatched_capped = False
        self.deleted: set[str] = set()

    def read(
        self, text: Iterable[str], *, progress: Callable[[int], None] | None,
        bytes_read: Callable[[], int],
    ) -> None:  # fmt: skip
        label = self.download.label
        reader = csv.reader(text)
        header = next(reader, None)
        if header is None:
            raise UsaspendingFileError(label, "the file is empty", line=1)
        layout = layout_for(header=[h.strip() for h in header], filename=label)
        rows = RowReader(layout=layout, header=header, filename=label)
        self.record.record = layout.record
        self.record.command = COMMAND
        self.record.imported_at = timezone.now()
        self.record.save()
        reported = 0
        record = self.record
        for cells in reader:
            self.line = line = reader.line_num
            if not any(cells):
                continue  # a blank line
            rows.check_width(cells, line)
            rows.check_text(cells, line)
            record.rows_read += 1
            if rows.is_deletion(cells):
                if layout.record != UsaspendingRecord.TRANSACTION:
                    raise rows.fail(line, "correction_delete_ind", "only transactions are deleted")
                self.deleted.add(rows.key(cells, line))
                self.batch.pop(rows.key(cells, line), None)
                record.rows_deleted += 1
            else:
                self._keep(rows, cells, line)
            if len(self.batch) + len(self.deleted) >= self.batch_size:
                self._flush()
                if progress is not None:
                    done = bytes_read()
                    progress(done - reported)
                    reported = done
        self._flush()
        if progress is not None:
            progress(bytes_read() - reported)

    def _keep(self, rows: RowReader, cells: list[str], line: int) -> None:
        record = self.record
        alns = rows.alns(cells, line)
        known = [aln for aln in alns if aln in self.programs]
        if len(alns) != 1 or not known:
            record.rows_skipped += 1
            if len(alns) > 1:
                self.several_programs += 1
            else:
                aln = alns[0] if alns else "(none)"
                count, title = self.skipped_programs.get(aln, (0, ""))
                self.skipped_programs[aln] = (count + 1, title or rows.title(cells)[:120])
            return
        row = rows.row(cells, line, aln=known[0])
        jurisdiction_id = self.matcher.match(
            uei=row.recipient_uei, name=row.recipient_name, state=row.recipient_state,
            business_types=row.business_types,
        )  # fmt: skip
        if jurisdiction_id is None:
            record.rows_unmatched += 1
            recipient = (row.recipient_uei, row.recipient_name, row.recipient_state)
            self.unmatched_cents += row.obligation_cents
            total = self.unmatched.get(recipient)
            if total is not None:
                total[0] += 1
                total[1] += row.obligation_cents
            elif len(self.unmatched) < UNMATCHED_KEPT:
                self.unmatched[recipient] = [1, row.obligation_cents]
            else:
                self.unmatched_capped = True
        else:
            record.rows_used += 1
        self.deleted.discard(row.key)
        self.batch[row.key] = StoredRow(
            record.record, row.key, row.award_key, row.fain, jurisdiction_id, row.recipient_uei,
            row.recipient_name, row.recipient_state, row.aln, row.fiscal_year, row.action_date,
            row.obligation_cents, record.pk,
        )  # fmt: skip

    def _flush(self) -> None:
        """Store the batch's new and changed rows and delete the rows marked deleted, noting
        every figure whose rows change: a changed row's group before and after, and the groups
        of award summaries that transactions of their award now shadow (or, deleted, reveal).
        A row stored unchanged is left as it is, with the file it came from."""
        if not self.batch and not self.deleted:
            return
        kind = self.record.record
        stored = UsaspendingTransaction.objects.filter(record=kind, key__in=list(self.batch))
        changed: list[StoredRow] = []
        award_keys: set[str] = set()
        before = {values[0]: values[1:] for values in stored.values_list("key", *COMPARED)}
        for key, row in self.batch.items():
            old = before.get(key)
            if old is not None and old == row[FIRST_COMPARED:LAST_COMPARED]:
                continue  # already on record as it is
            changed.append(row)
            award_keys.add(row.award_key)
            if row.jurisdiction_id is not None:
                self.touched.add((row.jurisdiction_id, row.aln, row.fiscal_year))
            if old is not None:
                award_keys.add(old[ROW_AT["award_key"]])
                if old[ROW_AT["jurisdiction_id"]] is not None:
                    self.touched.add(
                        (
                            old[ROW_AT["jurisdiction_id"]],
                            old[ROW_AT["aln"]],
                            old[ROW_AT["fiscal_year"]],
                        )
                    )
        gone = UsaspendingTransaction.objects.filter(
            record=UsaspendingRecord.TRANSACTION, key__in=list(self.deleted)
        )
        if self.deleted:
            for jurisdiction_id, aln, year, award_key in gone.values_list(
                "jurisdiction_id", "aln", "fiscal_year", "award_key"
            ):
                award_keys.add(award_key)
                if jurisdiction_id is not None:
                    self.touched.add((jurisdiction_id, aln, year))
            gone.delete()
        if kind == UsaspendingRecord.TRANSACTION and award_keys:
            self.touched.update(
                UsaspendingTransaction.objects.filter(
                    record=UsaspendingRecord.AWARD_SUMMARY, award_key__in=list(award_keys),
                    jurisdiction__isnull=False,
                ).values_list("jurisdiction_id", "aln", "fiscal_year")  # type: ignore[arg-type]
            )  # fmt: skip
        if changed:
            rows_store(changed)
        self.batch, self.deleted = {}, set()

    def notes(self, result: FileImportResult) -> str:
        parts = []
        if self.skipped_programs:
            listed = ", ".join(
                f"{aln} ({count} rows)"
                for aln, (count, _) in sorted(
                    self.skipped_programs.items(), key=lambda item: -item[1][0]
                )[:20]
            )
            more = len(self.skipped_programs) - 20
            if more > 0:
                listed += f" and {more} more"
            parts.append(f"Skipped, no program on record: {listed}.")
        if self.several_programs:
            parts.append(
                f"Skipped {self.several_programs} award summaries naming several Assistance "
                "Listings (their money cannot be split by program)."
            )
        parts.extend(f"Kept the figure on record: {conflict}" for conflict in result.conflicts)
        return "\n".join(parts)
