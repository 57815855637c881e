"""Generate a national-scale synthetic dataset for benchmarks (``compliance.loaders.synthetic``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from compliance.loaders.synthetic import SyntheticDataset, SyntheticDatasetExists


class Command(BaseCommand):
    help = (
        "Generate a national-scale synthetic dataset (~22,700 jurisdictions, ~1,000,000 awards, "
        "~100,000 statements, a few hundred actions), deterministic from --seed. PostgreSQL "
        "only: the rows go in with COPY."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Multiply every count (0.01 for a small test run).",
        )
        parser.add_argument(
            "--replace", action="store_true", help="Delete a previous synthetic dataset first."
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            dataset = SyntheticDataset(
                seed=options["seed"], scale=options["scale"], progress=not options["no_progress"]
            )
            summary = dataset.build(replace=options["replace"])
        except (ValueError, NotImplementedError, SyntheticDatasetExists) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(
            f"Synthetic data: {summary.jurisdictions:,} jurisdictions, {summary.awards:,} awards, "
            f"{summary.statements:,} statements, {summary.actions:,} actions, "
            f"{summary.stances:,} stance periods in {summary.seconds:.1f}s; "
            "all marked stale (run `manage.py recompute_risk`)."
        ))  # fmt: skip
