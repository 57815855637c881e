"""Loads the sourced reference dataset (``compliance/reference/*.csv``) into the database.

``rows`` reads the files cell by cell, ``derive`` fills in what they lack (slugs, Open Civic
Data ids), ``steps`` loads each file in its own transaction, idempotently.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .rows import ReferenceDataError
from .steps import REFERENCE_DIR, FileResult, LoadResult, ReferenceLoader

__all__ = ["REFERENCE_DIR", "FileResult", "LoadResult", "ReferenceDataError", "reference_data_load"]


def reference_data_load(
    *, directory: Path = REFERENCE_DIR, on_file: Callable[[FileResult], None] | None = None
) -> LoadResult:
    """Load every reference file; returns what changed. Raises ``ReferenceDataError``."""
    return ReferenceLoader(directory).run(on_file=on_file)
