"""Importing USAspending downloads, file by file, with one recompute queued at the end.

Each CSV (a file given, or each CSV inside a zip given) is imported in its own transaction by
``grants.usaspending.services``; a file that fails is reported and writes nothing, and the
others still load. The figures a file changes mark their jurisdictions stale inside its
transaction (``awards_imported``, received by ``compliance.signals``); queueing waits until
every file is done, so the whole run costs one enqueue, as the reference loader does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from compliance.services.stale import recompute_deferred
from compliance.tasks import recompute_enqueue
from grants.usaspending.layout import UnknownLayoutError, UsaspendingFileError
from grants.usaspending.results import FileImportResult
from grants.usaspending.services import BATCH_SIZE, COMMAND, usaspending_file_import
from grants.usaspending.sources import DownloadFile, download_files

Outcome = FileImportResult | UsaspendingFileError


@dataclass
class UsaspendingRun:
    """What a run did: files loaded, failed and skipped (CSVs of a zip that are no assistance
    download), and the jurisdictions marked stale and queued."""

    loaded: list[FileImportResult] = field(default_factory=list)
    failed: list[UsaspendingFileError] = field(default_factory=list)
    skipped: list[UsaspendingFileError] = field(default_factory=list)
    marked_ids: set[int] = field(default_factory=set)
    queued: int = 0


def usaspending_downloads_import(
    *,
    paths: Sequence[Path],
    command: str = COMMAND,
    imported_by: str = "",
    batch_size: int = BATCH_SIZE,
    on_start: Callable[[DownloadFile], Callable[[int], None] | None] | None = None,
    on_done: Callable[[DownloadFile | None, Outcome], None] | None = None,
) -> UsaspendingRun:
    """Import every CSV the paths hold; never raises for a bad file (see ``failed``).

    ``on_start`` may return a progress callback (bytes read) for the file; ``on_done`` gets the
    file (None when a path itself cannot be opened) and its result or error.
    """
    run = UsaspendingRun()

    def done(download: DownloadFile | None, outcome: Outcome) -> None:
        if on_done is not None:
            on_done(download, outcome)

    with recompute_deferred() as marked:
        for path in paths:
            try:
                downloads = download_files(path)
            except UsaspendingFileError as error:
                run.failed.append(error)
                done(None, error)
                continue
            for download in downloads:
                progress = on_start(download) if on_start is not None else None
                try:
                    result = usaspending_file_import(
                        download=download, command=command, imported_by=imported_by,
                        progress=progress, batch_size=batch_size,
                    )  # fmt: skip
                except UnknownLayoutError as error:
                    (run.skipped if download.member else run.failed).append(error)
                    done(download, error)
                    continue
                except UsaspendingFileError as error:
                    run.failed.append(error)
                    done(download, error)
                    continue
                run.loaded.append(result)
                done(download, result)
    run.marked_ids = set(marked)
    if run.marked_ids:
        # One queueing for the run, once every file is in (a file that failed later leaves the
        # earlier ones marked and queued; if the broker is down, the sweep finds them).
        run.queued = recompute_enqueue(jurisdiction_ids=sorted(run.marked_ids))
    return run
