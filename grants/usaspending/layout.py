"""The column layout of USAspending's financial-assistance downloads, and reading one row.

Columns are read by name; every other column is ignored. The names come from USAspending's own
download definitions (fedspendingtransparency/usaspending-api):
``usaspending_api/download/v2/download_column_historical_lookups.py`` —
``query_paths["transaction_search"]["d2"]`` (the "prime transactions" CSV of Custom Award Data,
112 columns) and ``query_paths["award"]["d2"]`` (the "prime award summaries" CSV, 100 columns) —
and ``usaspending_api/download/delta_downloads/transaction_assistance_monthly.py`` (the Award
Data Archive's monthly files: the same 112 columns; the delta files add ``correction_delete_ind``
in front, ``D`` marking a deleted transaction). Those definitions name the program columns
``cfda_number`` / ``cfda_title`` (summaries: ``cfda_numbers_and_titles``, "16.738: TITLE; ...");
USAspending's source data calls them ``assistance_listing_number`` / ``assistance_listing_title``
(renamed in its transactions app, 2024), and a file using those names reads the same.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from .. import models as grant_models
from ..choices import UsaspendingRecord

TRANSACTION_KEY = "assistance_transaction_unique_key"
AWARD_KEY = "assistance_award_unique_key"
DELETE_MARKER = "correction_delete_ind"

_ALN = re.compile(r"^\d{2}\.\d{3}$")
_ALN_IN_LIST = re.compile(r"(?:^|;)\s*(\d{2}\.\d{3})\s*:")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_AMOUNT = re.compile(r"^-?\d+(?:\.\d{1,2})?$")
MAX_CENTS = grant_models.MAX_AMOUNT_USD * 100


class UsaspendingFileError(Exception):
    """A file could not be read; the message names the file, and the line and column when the
    fault is in one cell. Nothing of the file is written."""

    def __init__(
        self, filename: str, message: str, *, line: int | None = None, column: str | None = None
    ) -> None:
        where = filename
        if line is not None:
            where += f", line {line}"
        if column:
            where += f", column '{column}'"
        super().__init__(f"{where}: {message}")
        self.filename, self.line, self.column, self.reason = filename, line, column, message


class UnknownLayoutError(UsaspendingFileError):
    """The CSV is not a financial-assistance prime transactions or prime award summaries file
    (a contracts or sub-awards file, a data dictionary, ...)."""


@dataclass(frozen=True, slots=True)
class Layout:
    """Where one kind of download keeps what the import reads. Each entry of ``aln`` and
    ``title`` lists the names a column may go by, first match wins."""

    record: str
    key: str
    amount: str
    day: str
    fiscal_year: str
    aln: tuple[str, ...]
    title: tuple[str, ...]
    aln_is_list: bool  # summaries list "ALN: title" pairs in one cell

    @property
    def required(self) -> tuple[str, ...]:
        return (self.key, AWARD_KEY, "award_id_fain", self.amount, self.day, self.fiscal_year,
                "recipient_uei", "recipient_name", "recipient_state_code")  # fmt: skip


TRANSACTIONS = Layout(
    record=UsaspendingRecord.TRANSACTION,
    key=TRANSACTION_KEY,
    amount="federal_action_obligation",
    day="action_date",
    fiscal_year="action_date_fiscal_year",
    aln=("assistance_listing_number", "cfda_number"),
    title=("assistance_listing_title", "cfda_title"),
    aln_is_list=False,
)
AWARD_SUMMARIES = Layout(
    record=UsaspendingRecord.AWARD_SUMMARY,
    key=AWARD_KEY,
    amount="total_obligated_amount",
    day="award_base_action_date",
    fiscal_year="award_base_action_date_fiscal_year",
    aln=("cfda_numbers_and_titles",),
    title=(),
    aln_is_list=True,
)


def layout_for(*, header: Sequence[str], filename: str) -> Layout:
    """The layout a header row belongs to; ``UnknownLayoutError`` for any other file."""
    names = set(header)
    if TRANSACTION_KEY in names:
        return TRANSACTIONS
    if AWARD_KEY in names:
        return AWARD_SUMMARIES
    kind = (
        "a contracts file"
        if "contract_transaction_unique_key" in names or ("contract_award_unique_key" in names)
        else "not a USAspending financial-assistance download"
    )
    raise UnknownLayoutError(
        filename,
        f"{kind}: expected a column '{TRANSACTION_KEY}' (prime transactions) or '{AWARD_KEY}' "
        "(prime award summaries)",
        line=1,
    )


def federal_fiscal_year(day: date) -> int:
    """The federal fiscal year of a date: FY2020 runs from 1 October 2019 to 30 September 2020."""
    return day.year + 1 if day.month >= 10 else day.year


@dataclass(slots=True)
class DownloadRow:
    """The cells of one row the import uses, read and checked."""

    key: str
    award_key: str
    fain: str
    recipient_uei: str
    recipient_name: str
    recipient_state: str
    business_types: str
    aln: str
    fiscal_year: int
    action_date: date
    obligation_cents: int


class RowReader:
    """Reads the used cells of a layout's rows, by column position found from the header, and
    raises ``UsaspendingFileError`` naming the line and column of a bad cell."""

    def __init__(self, *, layout: Layout, header: Sequence[str], filename: str) -> None:
        self.layout, self.filename = layout, filename
        position: dict[str, int] = {}
        for index, name in enumerate(header):
            position.setdefault(name.strip(), index)
        missing = [name for name in layout.required if name not in position]
        if not any(name in position for name in layout.aln):
            missing.append(" or ".join(layout.aln))
        if missing:
            raise UsaspendingFileError(
                filename, f"required column(s) missing from the header: {', '.join(missing)}",
                line=1, column=missing[0],
            )  # fmt: skip
        self.width = len(header)
        self.header = list(header)
        self.columns = {name: position[name] for name in layout.required}
        self.aln_column = next(name for name in layout.aln if name in position)
        self.aln_index = position[self.aln_column]
        self.title_index = next((position[n] for n in layout.title if n in position), None)
        self.business_index = position.get("business_types_code")
        self.delete_index = position.get(DELETE_MARKER)

    def fail(self, line: int, column: str, message: str) -> UsaspendingFileError:
        return UsaspendingFileError(self.filename, message, line=line, column=column)

    def check_text(self, cells: Sequence[str], line: int) -> None:
        """Every cell is UTF-8 text (the file is read with ``surrogateescape``)."""
        try:
            "\x1f".join(cells).encode("utf-8")
        except UnicodeEncodeError:
            for index, cell in enumerate(cells):
                try:
                    cell.encode("utf-8")
                except UnicodeEncodeError:
                    raise self.fail(
                        line, self.header[index], "not UTF-8 text; USAspending files are UTF-8"
                    ) from None

    def check_width(self, cells: Sequence[str], line: int) -> None:
        if len(cells) != self.width:
            raise self.fail(line, "-", f"the row has {len(cells)} cells, the header {self.width}")

    def is_deletion(self, cells: Sequence[str]) -> bool:
        """A delta file's row marking a transaction deleted (``correction_delete_ind`` D)."""
        return self.delete_index is not None and cells[self.delete_index].strip().upper() == "D"

    def key(self, cells: Sequence[str], line: int) -> str:
        return self._text(cells, line, self.layout.key, required=True, longest=400)

    def alns(self, cells: Sequence[str], line: int) -> list[str]:
        """The row's Assistance Listing numbers (a summary may list several; none when empty)."""
        cell = cells[self.aln_index].strip()
        if not cell:
            return []
        if self.layout.aln_is_list:
            found = list(dict.fromkeys(_ALN_IN_LIST.findall(cell)))
            if not found:
                raise self.fail(line, self.aln_column, f"'{cell[:60]}' lists no 'NN.NNN: title'")
            return found
        if not _ALN.match(cell):
            raise self.fail(line, self.aln_column, f"'{cell[:60]}' is not an Assistance Listing "
                            "number (NN.NNN)")  # fmt: skip
        return [cell]

    def title(self, cells: Sequence[str]) -> str:
        if self.title_index is not None:
            return cells[self.title_index].strip()
        cell = cells[self.aln_index]
        return cell.split(":", 1)[1].split(";", 1)[0].strip() if ":" in cell else ""

    def row(self, cells: Sequence[str], line: int, *, aln: str) -> DownloadRow:
        """Every used cell of a row to be kept, checked."""
        layout = self.layout
        day = self._day(cells, line, layout.day)
        fiscal_year = self._fiscal_year(cells, line, day)
        state = self._text(cells, line, "recipient_state_code", longest=2).upper()
        if state and not state.isalpha():
            raise self.fail(line, "recipient_state_code", f"'{state}' is not a state code")
        return DownloadRow(
            key=self.key(cells, line),
            award_key=self._text(cells, line, AWARD_KEY, required=True, longest=400),
            fain=self._text(cells, line, "award_id_fain", longest=100),
            recipient_uei=self._text(cells, line, "recipient_uei", longest=20).upper(),
            recipient_name=self._text(cells, line, "recipient_name", longest=300),
            recipient_state=state,
            business_types=(
                cells[self.business_index].strip().upper()
                if self.business_index is not None
                else ""
            ),
            aln=aln,
            fiscal_year=fiscal_year,
            action_date=day,
            obligation_cents=self._cents(cells, line, layout.amount),
        )

    # --- cells ----------------------------------------------------------------------------

    def _text(
        self, cells: Sequence[str], line: int, column: str, *, required: bool = False,
        longest: int,
    ) -> str:  # fmt: skip
        value = cells[self.columns[column]].strip()
        if required and not value:
            raise self.fail(line, column, "a value is required")
        if len(value) > longest:
            raise self.fail(line, column, f"longer than {longest} characters")
        return value

    def _day(self, cells: Sequence[str], line: int, column: str) -> date:
        value = self._text(cells, line, column, required=True, longest=10)
        try:
            if not _DAY.match(value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            raise self.fail(line, column, f"'{value}' is not a date (YYYY-MM-DD)") from None

    def _fiscal_year(self, cells: Sequence[str], line: int, day: date) -> int:
        column = self.layout.fiscal_year
        value = self._text(cells, line, column, longest=4)
        expected = federal_fiscal_year(day)
        if value and (not value.isdigit() or int(value) != expected):
            raise self.fail(
                line, column, f"'{value}' is not the fiscal year of {day.isoformat()} ({expected})"
            )
        if not 1980 <= expected <= 2100:
            raise self.fail(line, self.layout.day, f"fiscal year {expected} is outside 1980-2100")
        return expected

    def _cents(self, cells: Sequence[str], line: int, column: str) -> int:
        value = self._text(cells, line, column, required=True, longest=24)
        if not _AMOUNT.match(value):
            raise self.fail(line, column, f"'{value}' is not an amount in dollars (-1234.56)")
        try:
            cents = int(Decimal(value) * 100)
        except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
            raise self.fail(line, column, f"'{value}' is not an amount") from None
        if abs(cents) > MAX_CENTS:
            raise self.fail(line, column, f"'{value}' is beyond any federal award")
        return cents
