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


@dataclass(frozen=True, slots=True)
class RiskPoint:
    """One assessment in the risk-over-time chart."""

    on: date
    funding_at_risk_usd: int
    score: int


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


def risk_line_chart(
    points: Sequence[RiskPoint], *, title: str = "Funding at risk over time"
) -> str:
    """Funding at risk at each assessment, as a step line (a figure holds until the next
    assessment), with the dollar scale on the left and the first and last dates below."""
    width, height = 520, 240
    left, right, top, bottom = 70, 16, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-line" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="line-title line-desc">',
        f'<title id="line-title">{_esc(title)}</title>',
        '<desc id="line-desc">Funding at risk in US dollars at each recorded assessment. '
        "The table below lists the same figures.</desc>",
    ]
    ordered = sorted(points, key=lambda p: p.on)
    if not ordered:
        parts.append(
            f'<text x="{left}" y="{top + plot_h / 2}" class="chart-empty">No assessment '
            "recorded yet.</text></svg>"
        )
        return "".join(parts)
    y_max = max(p.funding_at_risk_usd for p in ordered) or 1
    first, last = ordered[0].on, ordered[-1].on
    span = (last - first).days or 1

    def x_of(on: date) -> float:
        if first == last:
            return left + plot_w / 2
        return round(left + plot_w * (on - first).days / span, 1)

    def y_of(value: int) -> float:
        return round(top + plot_h - plot_h * max(value, 0) / y_max, 1)

    for fraction in (0, 0.5, 1):
        y = round(top + plot_h - plot_h * fraction, 1)
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y}" y2="{y}" '
            f'stroke="{GRID_COLOUR}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y + 4}" text-anchor="end" font-size="13" '
            f'fill="{AXIS_COLOUR}">{_esc(compact_dollars(round(y_max * fraction)))}</text>'
        )
    first_anchor = "middle" if first == last else "start"
    parts.append(
        f'<text x="{x_of(first)}" y="{height - 12}" text-anchor="{first_anchor}" font-size="13" '
        f'fill="{AXIS_COLOUR}">{_esc(first.isoformat())}</text>'
    )
    if last != first:
        parts.append(
            f'<text x="{left + plot_w}" y="{height - 12}" text-anchor="end" font-size="13" '
            f'fill="{AXIS_COLOUR}">{_esc(last.isoformat())}</text>'
        )
    coords: list[str] = []
    previous_y: float | None = None
    for point in ordered:
        x, y = x_of(point.on), y_of(point.funding_at_risk_usd)
        if previous_y is not None:
            coords.append(f"{x},{previous_y}")
        coords.append(f"{x},{y}")
        previous_y = y
    if len(ordered) > 1:
        parts.append(
            f'<polyline points="{" ".join(coords)}" fill="none" stroke="{AT_RISK_COLOUR}" '
            f'stroke-width="2.5"/>'
        )
    for point in ordered:
        parts.append(
            f'<circle cx="{x_of(point.on)}" cy="{y_of(point.funding_at_risk_usd)}" r="4" '
            f'fill="{AT_RISK_COLOUR}"><title>{_esc(point.on.isoformat())}: '
            f"{_esc(dollars(point.funding_at_risk_usd))} at risk, score "
            f"{_esc(point.score)}</title></circle>"
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


# The usual US tile-grid layout (NPR/538 style): (row, column) of each state and DC, 1-based.
STATE_TILE_POSITIONS: dict[str, tuple[int, int]] = {
    "AK": (1, 1),
    "ME": (1, 12),
    "VT": (2, 11),
    "NH": (2, 12),
    "WA": (3, 2),
    "ID": (3, 3),
    "MT": (3, 4),
    "ND": (3, 5),
    "MN": (3, 6),
    "IL": (3, 7),
    "WI": (3, 8),
    "MI": (3, 9),
    "NY": (3, 10),
    "RI": (3, 11),
    "MA": (3, 12),
    "OR": (4, 2),
    "NV": (4, 3),
    "WY": (4, 4),
    "SD": (4, 5),
    "IA": (4, 6),
    "IN": (4, 7),
    "OH": (4, 8),
    "PA": (4, 9),
    "NJ": (4, 10),
    "CT": (4, 11),
    "CA": (5, 2),
    "UT": (5, 3),
    "CO": (5, 4),
    "NE": (5, 5),
    "MO": (5, 6),
    "KY": (5, 7),
    "WV": (5, 8),
    "VA": (5, 9),
    "MD": (5, 10),
    "DE": (5, 11),
    "AZ": (6, 3),
    "NM": (6, 4),
    "KS": (6, 5),
    "AR": (6, 6),
    "TN": (6, 7),
    "NC": (6, 8),
    "SC": (6, 9),
    "DC": (6, 10),
    "OK": (7, 5),
    "LA": (7, 6),
    "MS": (7, 7),
    "AL": (7, 8),
    "GA": (7, 9),
    "HI": (8, 1),
    "TX": (8, 5),
    "FL": (8, 10),
}
TILE_SHADES = 6  # shade 0 means nothing at risk; 1-5 step up with the amount


@dataclass(frozen=True, slots=True)
class StateTile:
    """One square of the tile-grid map."""

    code: str
    name: str
    row: int
    column: int
    funding_at_risk_usd: int
    jurisdictions: int
    shade: int  # 0 (nothing at risk) to TILE_SHADES - 1


def state_tiles(*, totals: dict[str, dict[str, int]], names: dict[str, str]) -> list[StateTile]:
    """A tile for every state and DC, shaded by the funding at risk summed over the state's
    jurisdictions. Shades follow the square root of the share of the largest state's amount,
    so that smaller amounts remain visible next to the largest."""
    largest = max((t.get("funding_at_risk_usd", 0) for t in totals.values()), default=0)
    tiles = []
    for code, (row, column) in STATE_TILE_POSITIONS.items():
        figures = totals.get(code, {})
        amount = int(figures.get("funding_at_risk_usd", 0))
        if amount <= 0 or largest <= 0:
            shade = 0
        else:
            shade = max(
                1, min(TILE_SHADES - 1, round((TILE_SHADES - 1) * (amount / largest) ** 0.5))
            )
        tiles.append(
            StateTile(
                code=code,
                name=names.get(code, code),
                row=row,
                column=column,
                funding_at_risk_usd=amount,
                jurisdictions=int(figures.get("count", 0)),
                shade=shade,
            )
        )
    return tiles
