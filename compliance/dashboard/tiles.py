"""The state tile-grid map: each state's place on the grid and its shade by funding at risk."""

from __future__ import annotations

from dataclasses import dataclass

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
    no_award_data: bool = False  # no jurisdiction of the state has a grant figure on record


def state_tiles(*, totals: dict[str, dict[str, int]], names: dict[str, str]) -> list[StateTile]:
    """A tile for every state and DC, shaded by the funding at risk summed over the state's
    jurisdictions. Shades follow the square root of the share of the largest state's amount,
    so that smaller amounts remain visible next to the largest. A state none of whose
    jurisdictions has a grant figure on record (or with no jurisdiction at all) is marked as
    having no award data, apart from one whose figures are $0."""
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
                no_award_data=int(figures.get("no_award_data", 0)) >= int(figures.get("count", 0)),
            )
        )
    return tiles
