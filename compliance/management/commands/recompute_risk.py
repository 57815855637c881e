"""Recompute funding at risk: in-process (set-based, with a progress bar) or spread over workers."""

from __future__ import annotations

import resource
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from compliance.services.recompute import (
    risk_assessments_record_many,
    risk_assessments_record_parallel,
)
from compliance.tasks import recompute_enqueue
from jurisdictions.models import Jurisdiction


class Command(BaseCommand):
    help = (
        "Recompute the funding at risk of every jurisdiction (or those named by --slug/--state/"
        "--stale). By default runs here, set-based, with a progress bar; --enqueue queues "
        "chunks of ids for the Celery workers instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", action="append", default=[], help="Repeatable.")
        parser.add_argument("--state", action="append", default=[], help="USPS code; repeatable.")
        parser.add_argument("--stale", action="store_true", help="Only stale jurisdictions.")
        parser.add_argument("--enqueue", action="store_true", help="Queue jobs for workers.")
        parser.add_argument("--batch-size", type=int, default=2_000)
        parser.add_argument(
            "--processes", type=int, default=2,
            help="Processes for a large in-process run on PostgreSQL (default 2; 1 for none).",
        )  # fmt: skip
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        jurisdictions = Jurisdiction.objects.order_by("pk")
        scoped = bool(options["slug"] or options["state"] or options["stale"])
        if options["slug"]:
            jurisdictions = jurisdictions.filter(slug__in=options["slug"])
            found = set(jurisdictions.values_list("slug", flat=True))
            missing = sorted(set(options["slug"]) - found)
            if missing:
                raise CommandError(f"Unknown slug(s): {', '.join(missing)}")
        if options["state"]:
            jurisdictions = jurisdictions.filter(state__in=[s.upper() for s in options["state"]])
        if options["stale"]:
            jurisdictions = jurisdictions.filter(risk_stale=True)
        ids = list(jurisdictions.values_list("pk", flat=True))
        if not ids:
            self.stdout.write("No jurisdictions to recompute.")
            return

        if options["enqueue"]:
            queued = recompute_enqueue(jurisdiction_ids=ids)
            self.stdout.write(self.style.SUCCESS(
                f"Queued {queued:,} of {len(ids):,} jurisdictions for the workers "
                f"({len(ids) - queued:,} already waiting or not queued; see the log)."
            ))  # fmt: skip
            return

        started = time.perf_counter()
        with tqdm(
            total=len(ids), desc="recompute", unit="jurisdictions",
            disable=options["no_progress"],
        ) as bar:  # fmt: skip
            if options["processes"] > 1:
                summary = risk_assessments_record_parallel(
                    jurisdiction_ids=ids, processes=options["processes"], progress=bar.update
                )
            else:
                summary = risk_assessments_record_many(
                    jurisdiction_ids=ids if scoped else None,
                    batch_size=options["batch_size"],
                    progress=bar.update,
                )
        elapsed = time.perf_counter() - started
        peak_mb = max(
            resource.getrusage(who).ru_maxrss / 1024
            for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        )
        self.stdout.write(self.style.SUCCESS(
            f"Recomputed {summary.computed:,} jurisdictions in {elapsed:.2f}s: "
            f"{summary.history_rows:,} new history rows; peak memory {peak_mb:.0f} MB "
            "(largest process)."
        ))  # fmt: skip
        if summary.failed:
            raise CommandError(
                f"{summary.failed:,} jurisdictions could not be recomputed (every other one "
                "was); they stay stale and `manage.py data_report` lists them with the error."
            )
