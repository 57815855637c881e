"""The CSV files a path holds (itself, or the CSVs inside a zip), opened as text while their
bytes are hashed and counted."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .layout import UsaspendingFileError

READ_CHUNK = 1 << 16


class _HashingReader(io.RawIOBase):
    """Passes a binary stream through, hashing (SHA-256) and counting the bytes read."""

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__()
        self._raw = raw
        self.digest = hashlib.sha256()
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        count = len(data)
        buffer[:count] = data
        self.digest.update(data)
        self.bytes_read += count
        return count


@dataclass(frozen=True, slots=True)
class CsvStream:
    """An open CSV: its text (UTF-8, a byte-order mark dropped; other bytes as lone surrogates,
    see ``RowReader.check_text``), and its bytes so far."""

    text: IO[str]
    _reader: _HashingReader

    @property
    def bytes_read(self) -> int:
        return self._reader.bytes_read

    def sha256(self) -> str:
        return self._reader.digest.hexdigest()


@dataclass(frozen=True, slots=True)
class DownloadFile:
    """One CSV to import: a file, or a member of a zip (``member``)."""

    path: Path
    member: str
    size: int

    @property
    def label(self) -> str:
        """How messages name the file: ``download.zip/file.csv`` for a zip member."""
        return f"{self.path.name}/{self.member}" if self.member else self.path.name

    @contextmanager
    def open(self) -> Iterator[CsvStream]:
        with self._open_bytes() as raw:
            reader = _HashingReader(raw)
            buffered = io.BufferedReader(reader, READ_CHUNK)
            # Bytes that are not UTF-8 come through as lone surrogates, so that the row reader
            # can name the line and column they are in (a strict decoder fails a whole block).
            text = io.TextIOWrapper(
                buffered, encoding="utf-8-sig", errors="surrogateescape", newline=""
            )
            try:
                yield CsvStream(text, reader)
            finally:
                text.close()

    @contextmanager
    def _open_bytes(self) -> Iterator[IO[bytes]]:
        if not self.member:
            with self.path.open("rb") as handle:
                yield handle
            return
        with zipfile.ZipFile(self.path) as archive, archive.open(self.member) as handle:
            yield handle


def download_files(path: Path) -> list[DownloadFile]:
    """The CSVs a path holds: the file itself, or every ``.csv`` inside a zip (by name).

    Raises ``UsaspendingFileError`` for a path that is missing, not a CSV or zip, or a zip that
    cannot be read or holds no CSV.
    """
    name = path.name
    if not path.is_file():
        raise UsaspendingFileError(name, f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return [DownloadFile(path, "", path.stat().st_size)]
    if suffix != ".zip":
        raise UsaspendingFileError(name, "give a .csv file or a .zip of them")
    try:
        with zipfile.ZipFile(path) as archive:
            members = [
                DownloadFile(path, info.filename, info.file_size)
                for info in sorted(archive.infolist(), key=lambda info: info.filename)
                if not info.is_dir()
                and info.filename.lower().endswith(".csv")
                and not info.filename.startswith("__MACOSX/")
            ]
    except (zipfile.BadZipFile, OSError) as error:
        raise UsaspendingFileError(name, f"not a readable zip file ({error})") from error
    if not members:
        raise UsaspendingFileError(name, "the zip holds no .csv file")
    return members
