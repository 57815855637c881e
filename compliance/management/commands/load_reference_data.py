"""Load the sourced reference dataset (compliance/reference/*.csv)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from compliance.loaders import REFERENCE_DIR, FileResult, ReferenceDataError, reference_data_load


class Command(BaseCommand):
    help = (
        "Load the sourced reference dataset. Idempotent: a second run changes nothing. "
        "A malformed row stops its file, names the file, line and field, and writes nothing "
        "of that file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--directory",
            type=Path,
            default=REFERENCE_DIR,
            help="Folder holding the CSV files (default: the bundled dataset).",
        )

    def handle(self, *args: object, **options: object) -> None:
        directory = options["directory"]
        assert isinstance(directory, Path)

        def report(file: FileResult) -> None:
            line = (
                f"{file.filename}: {file.created} created, {file.updated} updated, "
                f"{file.unchanged} unchanged"
            )
            if file.notes:
                line += f" ({'; '.join(file.notes)})"
            self.stdout.write(line)

        try:
            result = reference_data_load(directory=directory, on_file=report)
        except ReferenceDataError as error:
            raise CommandError(f"Reference data not loaded: {error}") from error
        if not result.changed:
            self.stdout.write(self.style.SUCCESS("Nothing changed: the reference data is loaded."))
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Reference data loaded; {len(result.marked_ids)} jurisdictions marked for "
                "recompute (queued for the workers; without a broker, recomputed in-process)."
            )
        )
