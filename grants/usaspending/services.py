"""Writes of the USAspending import: one CSV in one transaction, then the figures it changes.

A file is streamed and its rows stored in batches, keyed on USAspending's unique key: a new key
is added, a changed row rewritten, a row already on record as it is left alone, so no
transaction ever counts twice, whatever files carry it. The grant figures of every
jurisdiction, program and fiscal year whose rows changed are then derived again from the
stored rows. Bulk writes fire no
model signals: the jurisdictions whose figures changed are announced with ``awards_imported``
inside the file's transaction, as the CSV import of awards does, and compliance marks them
stale.
"""

from __future__ import annotations

import csv
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Min, Sum
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from compliance.risk.timeline import figure_usable_on
from jurisdictions.choices import DatePrecision
from jurisdictions.models import Jurisdiction

from ..choices import FigureKind, UsaspendingRecord
from ..models import (
    GrantAward,
    GrantProgram,
    UsaspendingFigure,
    UsaspendingFile,
    UsaspendingTransaction,
)
from ..services import awards_imported
from .layout import (
    RowReader,
    UsaspendingFileError,
    layout_for,
)
from .matching import JurisdictionRef, RecipientMatcher
from .selectors import usaspending_rows_counted
from .sources import DownloadFile

COMMAND = "manage.py import_usaspending"
BATCH_SIZE = 5_000
AWARD_URL = "https://www.usaspending.gov/award/"
CHANGE_REASON = "USAspending import"
# Unmatched recipients a file's result lists (the data report lists them all), and how many
# distinct ones a file's summary keeps count of (memory stays bounded on a national file).
UNMATCHED_SHOWN = 20
UNMATCHED_KEPT = 50_000

Group = tuple[int, str, int]  # jurisdiction id, Assistance Listing, fiscal year


@dataclass(frozen=True, slots=True)
class RecipientTotal:
    """A recipient no jurisdiction matched, with what it received under programs on record."""

    uei: str
    name: str
    state: str
    rows: int
    obligation_cents: int


@dataclass
class FileImportResult:
    """What importing one file did."""

    file: UsaspendingFile
    figures_created: int = 0
    figures_updated: int = 0
    figures_removed: int = 0
    # Figures of another source kept as they are (the import never adds a second figure).
    conflicts: list[str] = field(default_factory=list)
    # Assistance Listings skipped (no program on record): ALN -> (rows, title).
    skipped_programs: dict[str, tuple[int, str]] = field(default_factory=dict)
    unmatched: list[RecipientTotal] = field(default_factory=list)
    unmatched_recipients: int = 0
    unmatched_capped: bool = False  # more recipients than UNMATCHED_KEPT: the count is a floor
    unmatched_cents: int = 0
    # A file of the same content imported before.
    same_content_as: UsaspendingFile | None = None
    jurisdiction_ids: set[int] = field(default_factory=set)

    @property
    def figures_changed(self) -> int:
        return self.figures_created + self.figures_updated + self.figures_removed


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
            _figures_derive(importer.touched, programs=programs, filename=download.label,
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
        self.batch: dict[str, _Row] = {}
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
        self.batch[row.key] = _Row(
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
        changed: list[_Row] = []
        award_keys: set[str] = set()
        before = {values[0]: values[1:] for values in stored.values_list("key", *_COMPARED)}
        for key, row in self.batch.items():
            old = before.get(key)
            if old is not None and old == row[_FIRST_COMPARED:_LAST_COMPARED]:
                continue  # already on record as it is
            changed.append(row)
            award_keys.add(row.award_key)
            if row.jurisdiction_id is not None:
                self.touched.add((row.jurisdiction_id, row.aln, row.fiscal_year))
            if old is not None:
                award_keys.add(old[_AT["award_key"]])
                if old[_AT["jurisdiction_id"]] is not None:
                    self.touched.add(
                        (old[_AT["jurisdiction_id"]], old[_AT["aln"]], old[_AT["fiscal_year"]])
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
            _rows_store(changed)
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


class _Row(NamedTuple):
    """A transaction to store, in the table's column order."""

    record: str
    key: str
    award_key: str
    fain: str
    jurisdiction_id: int | None
    recipient_uei: str
    recipient_name: str
    recipient_state: str
    aln: str
    fiscal_year: int
    action_date: date
    obligation_cents: int
    source_file_id: int


# The stored values a re-read row is compared with (all but its key and its file).
_COMPARED = _Row._fields[2:-1]
_FIRST_COMPARED, _LAST_COMPARED = 2, len(_Row._fields) - 1
_AT = {name: index for index, name in enumerate(_COMPARED)}
_STAGING = "usaspending_staging"


def _rows_store(rows: list[_Row]) -> None:
    """Insert the rows, or update the stored rows of the same key (an upsert).

    On PostgreSQL the rows are copied into a temporary table and merged from there with one
    ``INSERT ... ON CONFLICT``: several times faster than a multi-row ORM insert. Elsewhere,
    ``bulk_create`` with ``update_conflicts``.
    """
    if connection.vendor != "postgresql":
        UsaspendingTransaction.objects.bulk_create(
            [UsaspendingTransaction(**row._asdict()) for row in rows], update_conflicts=True,
            unique_fields=("record", "key"),
            update_fields=[f for f in _Row._fields if f not in ("record", "key")],
        )  # fmt: skip
        return
    table = UsaspendingTransaction._meta.db_table
    columns = ", ".join(_Row._fields)
    updates = ", ".join(
        f"{name} = EXCLUDED.{name}" for name in _Row._fields if name not in ("record", "key")
    )
    with connection.cursor() as cursor:
        # Dropped when the file's transaction commits (or rolls back).
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGING} ON COMMIT DROP AS "
            f"SELECT {columns} FROM {table} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {_STAGING}")
        with cursor.copy(f"COPY {_STAGING} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {_STAGING} "
            f"ON CONFLICT (record, key) DO UPDATE SET {updates}"
        )


# --- Figures ------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Sum:
    """The rows of one figure: net cents, rows, awards, earliest action, largest award."""

    cents: int = 0
    rows: int = 0
    awards: int = 0
    first: date | None = None
    largest: tuple[int, str, str] = (-1, "", "")  # |cents|, award key, FAIN
    fains: list[str] = field(default_factory=list)


def _sums(groups: set[Group]) -> dict[Group, _Sum]:
    """Per figure, what its rows add up to (read per award, rolled up here)."""
    sums: dict[Group, _Sum] = {}
    rows = (
        UsaspendingTransaction.objects.filter(
            usaspending_rows_counted(),
            jurisdiction_id__in={g[0] for g in groups},
            aln__in={g[1] for g in groups},
            fiscal_year__in={g[2] for g in groups},
        )
        .values_list("jurisdiction_id", "aln", "fiscal_year", "award_key", "fain")
        .annotate(cents=Sum("obligation_cents"), rows=Count("id"), first=Min("action_date"))
        .order_by()
    )
    for jurisdiction_id, aln, year, award_key, fain, cents, count, first in rows.iterator(
        chunk_size=5_000
    ):
        group = (jurisdiction_id, aln, year)
        if group not in groups:
            continue
        total = sums.setdefault(group, _Sum())
        total.cents += cents
        total.rows += count
        total.awards += 1
        total.first = first if total.first is None else min(total.first, first)
        if (abs(cents), award_key) > total.largest[:2]:
            total.largest = (abs(cents), award_key, fain)
        if fain and len(total.fains) < 3 and fain not in total.fains:
            total.fains.append(fain)
    return sums


def _figure_notes(total: _Sum) -> str:
    fains = ", ".join(total.fains) or "none given"
    if total.awards > len(total.fains) and total.fains:
        fains += f" and {total.awards - len(total.fains)} more"
    note = (
        f"Net obligations on USAspending: {total.rows} transaction(s) of {total.awards} "
        f"award(s) (FAIN {fains}), summed by import_usaspending; dated by the earliest action."
    )
    if total.cents < 0:
        note += f" The net was negative (${total.cents / 100:,.2f}): recorded as $0."
    return note


def _figures_derive(
    groups: set[Group], *, programs: dict[str, GrantProgram], filename: str,
    result: FileImportResult,
) -> None:  # fmt: skip
    """Create, update or remove the import's own figure of each group from its stored rows.

    A group that already has an award figure from another source (an editor's or the
    reference data's) keeps it, and the import's own figure for it goes: a dollar is never
    counted twice. The jurisdictions whose figures changed are announced with
    ``awards_imported`` from the first date a changed figure counts.
    """
    groups = {g for g in groups if g[1] in programs}
    if not groups:
        return
    sums = _sums(groups)
    jurisdiction_ids = {g[0] for g in groups}
    owned: dict[Group, UsaspendingFigure] = {}
    for mark in UsaspendingFigure.objects.filter(
        award__jurisdiction_id__in=jurisdiction_ids
    ).select_related("award__program"):
        marked = mark.award
        if marked.program is not None:
            owned[(marked.jurisdiction_id, marked.program.aln, marked.fiscal_year)] = mark
    others_by_program: dict[Group, str] = {}
    others_by_label: set[tuple[int, str, int]] = set()
    for jurisdiction_id, aln, year, label, source in GrantAward.objects.filter(
        jurisdiction_id__in=jurisdiction_ids,
        fiscal_year__in={g[2] for g in groups},
        figure_kind=FigureKind.AWARD,
        usaspending_figure__isnull=True,
    ).values_list("jurisdiction_id", "program__aln", "fiscal_year", "program_label", "source_url"):
        if aln:
            others_by_program[(jurisdiction_id, aln, year)] = source
        others_by_label.add((jurisdiction_id, label, year))

    now = timezone.now()
    created: list[tuple[GrantAward, _Sum]] = []
    rewritten: list[GrantAward] = []
    recounted: list[UsaspendingFigure] = []
    removed: list[int] = []
    changed_on: list[date] = []
    names = dict(Jurisdiction.objects.filter(pk__in=jurisdiction_ids).values_list("pk", "name"))
    for group in sorted(groups):
        jurisdiction_id, aln, year = group
        program = programs[aln]
        label = program.short_name or program.name
        link = owned.get(group)
        total = sums.get(group)
        conflict = group in others_by_program or (jurisdiction_id, label, year) in others_by_label
        if conflict and total is not None:
            result.conflicts.append(
                f"{names.get(jurisdiction_id, jurisdiction_id)} {aln} FY{year}: USAspending "
                f"${max(total.cents, 0) / 100:,.0f} not used, the figure on record stands "
                f"({others_by_program.get(group) or 'same program label'})"
            )
        if total is None or conflict:
            if link is not None:
                removed.append(link.award_id)
            continue
        cents = max(total.cents, 0)
        values = {
            "amount_usd": (cents + 50) // 100,  # whole dollars, half up
            "published_on": total.first,
            "published_on_precision": DatePrecision.DAY,
            "source_url": AWARD_URL + quote(total.largest[1], safe="-_.~"),
            "notes": _figure_notes(total),
        }
        if link is None:
            award = GrantAward(
                jurisdiction_id=jurisdiction_id, program=program, program_label=label,
                fiscal_year=year, figure_kind=FigureKind.AWARD, approximate=False,
                created_at=now, updated_at=now, **values,
            )  # fmt: skip
            _validate(award, filename=filename)
            created.append((award, total))
            changed_on.append(_usable(award))
            result.jurisdiction_ids.add(jurisdiction_id)
            continue
        award = link.award
        if (award.amount_usd, award.published_on) != (values["amount_usd"], total.first):
            changed_on.extend(
                (_usable(award), figure_usable_on(fiscal_year=year, published_on=total.first))
            )
            result.jurisdiction_ids.add(jurisdiction_id)
        if any(getattr(award, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(award, name, value)
            award.updated_at = now
            _validate(award, filename=filename)
            rewritten.append(award)
        counts = (total.cents, total.rows, total.awards)
        if (link.net_obligation_cents, link.transaction_count, link.award_count) != counts:
            link.net_obligation_cents, link.transaction_count, link.award_count = counts
            recounted.append(link)

    for award in GrantAward.objects.filter(pk__in=removed).order_by("pk"):
        result.jurisdiction_ids.add(award.jurisdiction_id)
        award.delete()  # its own signals mark it stale; its history records the removal
    result.figures_removed = len(removed)
    if created:
        awards = bulk_create_with_history(
            [award for award, _ in created], GrantAward, batch_size=1_000,
            default_change_reason=CHANGE_REASON,
        )  # fmt: skip
        UsaspendingFigure.objects.bulk_create(
            UsaspendingFigure(award=award, net_obligation_cents=total.cents,
                              transaction_count=total.rows, award_count=total.awards)
            for award, (_, total) in zip(awards, created, strict=True)
        )  # fmt: skip
        result.figures_created = len(created)
    if rewritten:
        bulk_update_with_history(
            rewritten, GrantAward,
            ["amount_usd", "published_on", "published_on_precision", "source_url", "notes",
             "updated_at"],
            batch_size=1_000, default_change_reason=CHANGE_REASON,
        )  # fmt: skip
        result.figures_updated = len(rewritten)
    if recounted:
        UsaspendingFigure.objects.bulk_update(
            recounted, ["net_obligation_cents", "transaction_count", "award_count"]
        )
    if changed_on:
        awards_imported.send(sender=GrantAward, jurisdiction_ids=set(result.jurisdiction_ids),
                             since=min(changed_on))  # fmt: skip


def _usable(award: GrantAward) -> date:
    return figure_usable_on(fiscal_year=award.fiscal_year, published_on=award.published_on)


def _validate(award: GrantAward, *, filename: str) -> None:
    try:
        award.full_clean(exclude=["jurisdiction", "program"], validate_unique=False,
                         validate_constraints=False)  # fmt: skip
    except ValidationError as error:
        name, messages = next(iter(error.message_dict.items()))
        raise UsaspendingFileError(
            filename, f"the figure for {award.program_label} FY{award.fiscal_year} cannot be "
            f"saved: {name}: {' '.join(messages)}",
        ) from error  # fmt: skip
