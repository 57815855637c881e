"""The national series drawn on the ranking page, and the method page rendered from the README."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import markdown
from django.conf import settings
from django.urls import reverse

from compliance.dashboard.charts import Marker, StepPoint
from compliance.dashboard.pages import points_as_steps, points_from_first_money, step_points
from compliance.selectors.timeline import (
    national_timeline,
)


@dataclass(frozen=True, slots=True)
class NationalSeries:
    """The national totals over time, as the front page draws them."""

    points: list[dict[str, Any]]

    @property
    def chart_points(self) -> list[dict[str, Any]]:
        return points_from_first_money(self.points)

    @property
    def step_points(self) -> list[StepPoint]:
        return step_points(self.chart_points)

    @property
    def markers(self) -> list[Marker]:
        return [
            Marker(
                on=point["date"],
                label=event["label"],
                href=reverse("api:federal-action-detail", kwargs={"pk": event["id"]}),
                kind=event["type"],
            )
            for point in self.chart_points
            for event in point["events"]
        ]

    @property
    def latest(self) -> dict[str, Any] | None:
        return self.points[-1] if self.points else None


def national_series(*, state: str = "", kind: str = "", stance: str = "") -> NationalSeries:
    """The national totals by date (the sums of the stored timelines) under the front page's
    state, kind and stance filters."""
    points = national_timeline(
        state=[state] if state else [], kind=[kind] if kind else [],
        stance=[stance] if stance else [],
    )  # fmt: skip
    return NationalSeries(points=points_as_steps(points) if points else [])


METHOD_START = "## How funding at risk is computed"


@lru_cache(maxsize=4)
def _method_html(path: str, modified: float) -> str:
    text = Path(path).read_text(encoding="utf-8")
    start = text.index(METHOD_START)
    end = text.find("\n## ", start + len(METHOD_START))
    section = text[start + len(METHOD_START) : end if end != -1 else len(text)]
    return markdown.markdown(section, extensions=["tables", "toc"], output_format="html")


def method_html() -> str:
    """The README's method section (method, weights, worked example, caveats, glossary) as
    HTML: one text for the README and the ``/method/`` page, re-read when the file changes."""
    path = Path(settings.BASE_DIR) / "README.md"
    return _method_html(str(path), path.stat().st_mtime)
