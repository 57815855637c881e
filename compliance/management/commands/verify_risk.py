"""Check every stored figure and explanation against a fresh computation."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from compliance.services.verify import risk_verify
from compliance.tasks import recompute_enqueue
from jurisdictions.models import Jurisdiction


class Command(BaseCommand):
    help = (
        "Compare each jurisdiction's stored figures and latest explanation with a fresh "
        "computation as of its last recompute; mark any that differ stale (their recompute "
        "queues) and exit with an error listing them. Stale jurisdictions are skipped: their "
        "recompute is already due."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", action="append", default=[], help="Repeatable.")

    def handle(self, *args: Any, **options: Any) -> None:
        ids = None
        if options["slug"]:
            found = dict(
                Jurisdiction.objects.filter(slug__in=options["slug"]).values_list("slug", "pk")
            )
            missing = sorted(set(options["slug"]) - set(found))
            if missing:
                raise CommandError(f"Unknown jurisdiction slug(s): {', '.join(missing)}")
            ids = list(found.values())
        summary = risk_verify(jurisdiction_ids=ids)
        self.stdout.write(
            f"Checked {summary.checked:,} jurisdictions in {summary.seconds:.2f}s: "
            f"{len(summary.differing):,} differ from a fresh computation."
        )
        if summary.differing:
            recompute_enqueue(jurisdiction_ids=sorted(summary.differing))
            names = dict(
                Jurisdiction.objects.filter(pk__in=list(summary.differing)).values_list(
                    "pk", "slug"
                )
            )
            for pk, why in sorted(summary.differing.items()):
                self.stdout.write(f"  {names.get(pk, pk)}: {why}")
            raise CommandError(
                f"{len(summary.differing):,} jurisdictions held figures that were out of date "
                "without being marked stale; they are marked now and will be recomputed."
            )
