"""Server-rendered SVG charts for the dashboard: pure functions from numbers to markup.

Every function returns a complete ``<svg>`` element as a string. All text that comes from data
is escaped here, so templates may output the result with ``|safe``. The charts scale with their
container (``viewBox`` plus ``width="100%"``) and carry a ``<title>`` and ``<desc>`` for screen
readers; each chart on the page also has a table with the same figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

# Colours are shared with the stylesheet (compliance/static/compliance/dashboard.css).
EXPOSURE_COLOUR = "#c9d6e3"
MAX_AT_RISK_COLOUR = "#7d9bb8"
AT_RISK_COLOUR = "#8a1c1c"
AXIS_COLOUR = "#555555"
GRID_COLOUR = "#dddddd"


def _esc(text: object) -> str:
    return escape(str(text), quote=True)


def dollars(amount: int | None) -> str:
    """Whole dollars with thousands separators: ``$1,234,567`` (an em dash when unknown)."""
    if amount is None:
        return "—"
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(int(amount)):,}"


def compact_dollars(amount: int | None) -> str:
    """Short dollars for tight spaces: ``$950``, ``$12K``, ``$3.4M``, ``$1.2B``."""
    if amount is None:
        return "—"
    value = abs(int(amount))
    sign = "-" if amount < 0 else ""
    for threshold, suffix in (
        (1_000_000_000_000, "T"),
        (1_000_000_000, "B"),
        (1_000_000, "M"),
        (1_000, "K"),
    ):
        if value >= threshold:
            scaled = value / threshold
            text = f"{scaled:.1f}" if scaled < 10 else f"{scaled:.0f}"
            return f"{sign}${text.removesuffix('.0')}{suffix}"
    return f"{sign}${value}"


@dataclass(frozen=True, slots=True)
class ProgramBar:
    """One program's row in the breakdown chart."""

    label: str
    exposure_usd: int
    max_at_risk_usd: int
    funding_at_risk_usd: int


def program_bar_chart(bars: Sequence[ProgramBar], *, title: str = "Funding by program") -> str:
    """Horizontal bars per program: exposure (light), maximum at risk (middle) and the
    expected funding at risk (dark), drawn over one another on a shared dollar scale."""
    label_width, bar_width, value_width = 170, 230, 80
    row_height, top, bottom = 34, 30, 8
    width = label_width + bar_width + value_width
    height = top + row_height * max(len(bars), 1) + bottom
    scale_max = max((bar.exposure_usd for bar in bars), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-bars" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="bars-title bars-desc">',
        f'<title id="bars-title">{_esc(title)}</title>',
        '<desc id="bars-desc">For each program: exposure, maximum at risk and funding at '
        "risk, in US dollars. The table below lists the same figures.</desc>",
        _legend(
            (
                (EXPOSURE_COLOUR, "Exposure"),
                (MAX_AT_RISK_COLOUR, "Maximum at risk"),
                (AT_RISK_COLOUR, "Funding at risk"),
            ),
            x=0,
        ),
    ]
    if not bars:
        parts.append(
            f'<text x="{label_width}" y="{top + 20}" class="chart-empty">No program '
            "exposure recorded.</text>"
        )
    for index, bar in enumerate(bars):
        y = top + index * row_height
        label = bar.label if len(bar.label) <= 20 else bar.label[:19] + "…"
        parts.append(
            f"<g><title>{_esc(bar.label)}: exposure {dollars(bar.exposure_usd)}, maximum at "
            f"risk {dollars(bar.max_at_risk_usd)}, funding at risk "
            f"{dollars(bar.funding_at_risk_usd)}</title>"
        )
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 20}" text-anchor="end" '
            f'font-size="13">{_esc(label)}</text>'
        )
        for value, colour, inset in (
            (bar.exposure_usd, EXPOSURE_COLOUR, 4),
            (bar.max_at_risk_usd, MAX_AT_RISK_COLOUR, 9),
            (bar.funding_at_risk_usd, AT_RISK_COLOUR, 13),
        ):
            length = round(bar_width * max(value, 0) / scale_max, 1)
            if length > 0:
                parts.append(
                    f'<rect x="{label_width}" y="{y + inset}" width="{length}" '
                    f'height="{row_height - 2 * inset}" fill="{colour}"/>'
                )
        parts.append(
            f'<text x="{label_width + bar_width + 8}" y="{y + 21}" font-size="14" '
            f'fill="{AT_RISK_COLOUR}">{_esc(compact_dollars(bar.funding_at_risk_usd))}</text>'
        )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class StepPoint:
    """One point of a timeline: the figures from ``on`` until the next point."""

    on: date
    funding_at_risk_usd: int
    max_at_risk_usd: int
    no_award_data: bool = False


@dataclass(frozen=True, slots=True)
class Marker:
    """An event on a timeline: what happened that day and where its record is."""

    on: date
    label: str
    href: str = ""
    kind: str = ""


def _month_ticks(first: date, last: date, most: int = 6) -> list[date]:
    """Up to ``most`` first-of-year (or, for short spans, first-of-month) dates in range."""
    years = [date(year, 1, 1) for year in range(first.year + 1, last.year + 1)]
    if len(years) >= 2:
        step = max(1, -(-len(years) // most))
        return years[::step]
    months = []
    day = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    while day <= last:
        months.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    step = max(1, -(-len(months) // most))
    return months[::step]


def timeline_step_chart(
    points: Sequence[StepPoint],
    markers: Sequence[Marker] = (),
    *,
    title: str = "Funding at risk over time",
    chart_id: str = "timeline",
    last: date | None = None,
) -> str:
    """Funding at risk (dark) and maximum at risk (light) as step lines from the first point
    to ``last``, with a marker below the axis for each event (hover for what happened; each
    marker links to its record). Each point is also a target with ``data-date`` so two can be
    picked to compare. Spans with no award data are hatched, not drawn as zero."""
    width, height = 720, 270
    left, right, top, bottom = 70, 16, 16, 62
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-timeline" role="img" '
        f'id="{_esc(chart_id)}" viewBox="0 0 {width} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" aria-labelledby="{chart_id}-title '
        f'{chart_id}-desc">',
        f'<title id="{chart_id}-title">{_esc(title)}</title>',
        f'<desc id="{chart_id}-desc">Funding at risk and maximum at risk in US dollars on '
        "every date the records changed them, as steps (a figure holds until the next "
        "change). Marks below the axis are the events; the table below lists the same "
        "figures.</desc>",
    ]
    ordered = sorted(points, key=lambda p: p.on)
    if not ordered:
        parts.append(
            f'<text x="{left}" y="{top + plot_h / 2}" class="chart-empty">No timeline: no '
            "record bears on the figures yet.</text></svg>"
        )
        return "".join(parts)
    first = ordered[0].on
    end = max(last or ordered[-1].on, ordered[-1].on)
    span = (end - first).days or 1
    y_max = max(max(p.max_at_risk_usd, p.funding_at_risk_usd) for p in ordered) or 1

    def x_of(on: date) -> float:
        return round(left + plot_w * (on - first).days / span, 1)

    def y_of(value: int) -> float:
        return round(top + plot_h - plot_h * max(value, 0) / y_max, 1)

    parts.append(_legend(((MAX_AT_RISK_COLOUR, "Maximum at risk"),
                          (AT_RISK_COLOUR, "Funding at risk")), x=left))  # fmt: skip
    for fraction in (0, 0.5, 1):
        y = round(top + plot_h - plot_h * fraction, 1)
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y}" y2="{y}" '
            f'stroke="{GRID_COLOUR}" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y + 4}" text-anchor="end" font-size="13" '
            f'fill="{AXIS_COLOUR}">{_esc(compact_dollars(round(y_max * fraction)))}</text>'
        )
    for tick in _month_ticks(first, end):
        x = x_of(tick)
        label = str(tick.year) if tick.month == 1 else tick.strftime("%b %Y")
        parts.append(
            f'<line x1="{x}" x2="{x}" y1="{top + plot_h}" y2="{top + plot_h + 4}" '
            f'stroke="{AXIS_COLOUR}"/><text x="{x}" y="{top + plot_h + 17}" '
            f'text-anchor="middle" font-size="12" fill="{AXIS_COLOUR}">{_esc(label)}</text>'
        )
    for index, point in enumerate(ordered):
        if point.no_award_data:
            until = ordered[index + 1].on if index + 1 < len(ordered) else end
            parts.append(
                f'<rect class="no-data-span" x="{x_of(point.on)}" y="{top}" '
                f'width="{max(x_of(until) - x_of(point.on), 1)}" height="{plot_h}">'
                f"<title>No award data from {_esc(point.on.isoformat())}</title></rect>"
            )
    for field, colour, stroke in (
        ("max_at_risk_usd", MAX_AT_RISK_COLOUR, 1.5),
        ("funding_at_risk_usd", AT_RISK_COLOUR, 2.5),
    ):
        coords: list[str] = []
        for index, point in enumerate(ordered):
            y = y_of(getattr(point, field))
            until = ordered[index + 1].on if index + 1 < len(ordered) else end
            coords.append(f"{x_of(point.on)},{y} {x_of(until)},{y}")
        parts.append(
            f'<polyline points="{" ".join(coords)}" fill="none" stroke="{colour}" '
            f'stroke-width="{stroke}"/>'
        )
    radius = 4 if len(ordered) <= 60 else 2.5
    for point in ordered:
        figure = "no award data" if point.no_award_data else (
            f"{dollars(point.funding_at_risk_usd)} at risk (maximum "
            f"{dollars(point.max_at_risk_usd)})"
        )  # fmt: skip
        parts.append(
            f'<circle class="point" data-date="{point.on.isoformat()}" tabindex="0" r="{radius}" '
            f'cx="{x_of(point.on)}" cy="{y_of(point.funding_at_risk_usd)}" '
            f'fill="{AT_RISK_COLOUR}"><title>{_esc(point.on.isoformat())}: '
            f"{_esc(figure)}</title></circle>"
        )
    marker_y = top + plot_h + 34
    for marker in sorted(markers, key=lambda m: m.on):
        if not first <= marker.on <= end:
            continue
        shape = (
            f'<path class="marker marker-{_esc(marker.kind)}" data-date="'
            f'{marker.on.isoformat()}" d="M{x_of(marker.on)} {marker_y - 6} l5 9 h-10 z">'
            f"<title>{_esc(marker.on.isoformat())}: {_esc(marker.label)}</title></path>"
        )
        if marker.href:
            shape = f'<a href="{_esc(marker.href)}">{shape}</a>'
        parts.append(shape)
    parts.append(
        f'<text x="{left}" y="{height - 6}" font-size="12" fill="{AXIS_COLOUR}">'
        "\u25b2 events (hover for what happened; select to open the record)</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class WaterfallStep:
    label: str
    amount_usd: int
    kind: str  # total or reduction


def _two_lines(text: str, x: float, y: float) -> str:
    """A centred label on at most two lines, split at the space nearest the middle."""
    words = text.split(" ")
    if len(words) == 1:
        lines = [text]
    else:
        middle = len(text) / 2
        cut = min(range(1, len(words)), key=lambda i: abs(len(" ".join(words[:i])) - middle))
        lines = [" ".join(words[:cut]), " ".join(words[cut:])]
    spans = "".join(
        f'<tspan x="{x}" dy="{0 if index == 0 else 14}">{_esc(line)}</tspan>'
        for index, line in enumerate(lines)
    )
    return (
        f'<text x="{x}" y="{y}" text-anchor="middle" font-size="12" fill="{AXIS_COLOUR}">'
        f"{spans}</text>"
    )


def waterfall_chart(*, exposure_usd: int, max_at_risk_usd: int, funding_at_risk_usd: int) -> str:
    """From exposure to maximum at risk to funding at risk: three totals and the two steps
    down between them (money no action bears on; the likelihood and disposition discount)."""
    steps = (
        WaterfallStep("Exposure", exposure_usd, "total"),
        WaterfallStep("No action bears on it", max_at_risk_usd - exposure_usd, "reduction"),
        WaterfallStep("Maximum at risk", max_at_risk_usd, "total"),
        WaterfallStep("Likelihood \u00d7 disposition", funding_at_risk_usd - max_at_risk_usd,
                      "reduction"),
        WaterfallStep("Funding at risk", funding_at_risk_usd, "total"),
    )  # fmt: skip
    width, height = 620, 230
    left, top, bottom = 10, 26, 48
    plot_h = height - top - bottom
    column = (width - left * 2) / len(steps)
    scale = max(exposure_usd, 1)

    def y_of(value: int) -> float:
        return round(top + plot_h - plot_h * max(value, 0) / scale, 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-waterfall" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="waterfall-title waterfall-desc">',
        '<title id="waterfall-title">From exposure to funding at risk</title>',
        f'<desc id="waterfall-desc">Exposure {_esc(dollars(exposure_usd))}; no action bears '
        f"on {_esc(dollars(exposure_usd - max_at_risk_usd))}; maximum at risk "
        f"{_esc(dollars(max_at_risk_usd))}; the likelihood and disposition discount "
        f"{_esc(dollars(max_at_risk_usd - funding_at_risk_usd))}; funding at risk "
        f"{_esc(dollars(funding_at_risk_usd))}.</desc>",
    ]
    level = 0
    colours = {
        "Exposure": EXPOSURE_COLOUR, "Maximum at risk": MAX_AT_RISK_COLOUR,
        "Funding at risk": AT_RISK_COLOUR,
    }  # fmt: skip
    for index, step in enumerate(steps):
        x = round(left + column * index + column * 0.15, 1)
        bar = round(column * 0.7, 1)
        if step.kind == "total":
            y0, y1 = y_of(step.amount_usd), y_of(0)
            level = step.amount_usd
            fill = colours[step.label]
        else:
            y0, y1 = y_of(level), y_of(level + step.amount_usd)
            fill = "none"
        height_px = max(round(y1 - y0, 1), 1 if step.amount_usd else 0)
        stroke = ' stroke="#555555" stroke-dasharray="4 3"' if step.kind != "total" else ""
        parts.append(
            f'<g class="step step-{step.kind}"><title>{_esc(step.label)}: '
            f"{_esc(dollars(step.amount_usd))}</title>"
            f'<rect x="{x}" y="{y0}" width="{bar}" height="{height_px}" fill="{fill}"{stroke}/>'
            f'<text x="{round(x + bar / 2, 1)}" y="{round(min(y0, y1) - 6, 1)}" '
            f'text-anchor="middle" font-size="13">{_esc(compact_dollars(step.amount_usd))}'
            f"</text>{_two_lines(step.label, round(x + bar / 2, 1), height - bottom + 18)}</g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _legend(items: Sequence[tuple[str, str]], *, x: int) -> str:
    parts = []
    offset = x
    for colour, label in items:
        parts.append(
            f'<rect x="{offset}" y="6" width="12" height="12" fill="{colour}"/>'
            f'<text x="{offset + 16}" y="16" font-size="13">{_esc(label)}</text>'
        )
        offset += 24 + 7 * len(label)
    return "".join(parts)
