"""The stored USAspending rows, and the grant figures derived from them: rows are kept in a
staging table for one file's comparison, summed per jurisdiction, program and fiscal year,
and turned into validated award figures with their provenance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Min, Sum
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from compliance.risk.timeline import figure_usable_on
from jurisdictions.choices import DatePrecision
from jurisdictions.models import Jurisdiction

from ..choices import FigureKind
from ..models import (
    GrantAward,
    GrantProgram,
    UsaspendingFigure,
    UsaspendingTransaction,
)
from ..services import awards_imported
from .layout import (
    UsaspendingFileError,
)
from .results import FileImportResult, Group
from .selectors import usaspending_rows_counted

AWARD_URL = "https://www.usaspending.gov/award/"
CHANGE_REASON = "USAspending import"


class StoredRow(NamedTuple):
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
COMPARED = StoredRow._fields[2:-1]
FIRST_COMPARED, LAST_COMPARED = 2, len(StoredRow._fields) - 1
ROW_AT = {name: index for index, name in enumerate(COMPARED)}
STAGING = "usaspending_staging"


def rows_store(rows: list[StoredRow]) -> None:
    """Insert the rows, or update the stored rows of the same key (an upsert).

    On PostgreSQL the rows are copied into a temporary table and merged from there with one
    ``INSERT ... ON CONFLICT``: several times faster than a multi-row ORM insert. Elsewhere,
    ``bulk_create`` with ``update_conflicts``.
    """
    if connection.vendor != "postgresql":
        UsaspendingTransaction.objects.bulk_create(
            [UsaspendingTransaction(**row._asdict()) for row in rows], update_conflicts=True,
            unique_fields=("record", "key"),
            update_fields=[f for f in StoredRow._fields if f not in ("record", "key")],
        )  # fmt: skip
        return
    table = UsaspendingTransaction._meta.db_table
    columns = ", ".join(StoredRow._fields)
    updates = ", ".join(
        f"{name} = EXCLUDED.{name}" for name in StoredRow._fields if name not in ("record", "key")
    )
    with connection.cursor() as cursor:
        # Dropped when the file's transaction commits (or rolls back).
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGING} ON COMMIT DROP AS "
            f"SELECT {columns} FROM {table} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {STAGING}")
        with cursor.copy(f"COPY {STAGING} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {STAGING} "
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


def figures_derive(
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
