"""Reading the reference CSV files, cell by cell, with errors that point at the bad cell."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path

from django.db import models

from compliance.core.csv_import import CsvFileError, csv_dict_reader
from jurisdictions.choices import DatePrecision

PRECISIONS = {value: value for value in DatePrecision.values}


class ReferenceDataError(Exception):
    """A row of a reference file could not be loaded; the message names file, line and field."""

    def __init__(self, filename: str, line: int | None, field_name: str, message: str) -> None:
        where = f"{filename}, line {line}" if line else filename
        super().__init__(f"{where}, field '{field_name}': {message}")
        self.filename, self.line, self.field_name = filename, line, field_name


class RowReader:
    """Reads one CSV file and raises ``ReferenceDataError`` that points at the bad cell."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.filename = path.name
        self.line = 0
        self.row: dict[str, str] = {}

    def rows(self) -> Iterator[RowReader]:
        if not self.path.exists():
            raise ReferenceDataError(self.filename, None, "-", "file not found")
        with self.path.open("rb") as handle:
            try:
                reader = csv_dict_reader(handle)
            except CsvFileError as error:
                raise ReferenceDataError(self.filename, None, "-", str(error)) from error
            for row in reader:
                self.line = reader.line_num
                self.row = {k: (v or "").strip() for k, v in row.items() if k is not None}
                if None in row:
                    self.fail("-", "the row has more cells than the header")
                yield self

    def fail(self, field_name: str, message: str) -> None:
        raise ReferenceDataError(self.filename, self.line, field_name, message)

    def text(self, name: str, *, required: bool = True) -> str:
        if name not in self.row:
            self.fail(name, "column missing from the header")
        value = self.row[name]
        if required and not value:
            self.fail(name, "a value is required")
        return value

    def choice(self, name: str, mapping: Mapping[str, str], *, required: bool = True) -> str:
        value = self.text(name, required=required)
        if not value and not required:
            return ""
        if value not in mapping:
            allowed = ", ".join(sorted(mapping))
            self.fail(name, f"'{value}' is not one of: {allowed}")
        return mapping[value]

    def integer(self, name: str, *, required: bool = True) -> int | None:
        value = self.text(name, required=required)
        if not value:
            return None
        if not re.fullmatch(r"\d+", value):
            self.fail(name, f"'{value}' is not a whole non-negative number")
        return int(value)

    def day(self, name: str, *, required: bool = True) -> date | None:
        value = self.text(name, required=required)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(name, f"'{value}' is not a date (YYYY-MM-DD)")
        raise AssertionError  # unreachable: fail() raises

    def precision(self, day_column: str, name: str | None = None) -> str:
        """The precision cell of a date (``<day_column>_precision`` unless named): required
        with its date, empty without it."""
        name = name or f"{day_column}_precision"
        if not self.text(day_column, required=False):
            if self.text(name, required=False):
                self.fail(name, "a precision without a date")
            return ""
        return self.choice(name, PRECISIONS)

    def boolean(self, name: str) -> bool:
        return self.choice(name, {"true": "1", "false": ""}) == "1"

    def url(self, name: str, *, required: bool = True) -> str:
        value = self.text(name, required=required)
        if value and not re.match(r"^https?://\S+$", value):
            self.fail(name, f"'{value}' is not an http(s) URL")
        return value


def choice_values(choices: type[models.TextChoices]) -> dict[str, str]:
    """Each code of a choices class mapped to itself, for :meth:`RowReader.choice`."""
    return {value: value for value in choices.values}
