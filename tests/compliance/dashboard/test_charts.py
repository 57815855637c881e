"""The SVG charts and the tile map: pure functions, no database."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

from compliance.dashboard.charts import (
    STATE_TILE_POSITIONS,
    ProgramBar,
    RiskPoint,
    compact_dollars,
    dollars,
    program_bar_chart,
    risk_line_chart,
    state_tiles,
)
from jurisdictions.choices import US_STATES

SVG = "{http://www.w3.org/2000/svg}"


def test_dollars():
    assert dollars(1234567) == "$1,234,567"
    assert dollars(0) == "$0"
    assert dollars(None) == "—"
    assert dollars(-5000) == "-$5,000"


def test_compact_dollars():
    assert compact_dollars(950) == "$950"
    assert compact_dollars(12_000) == "$12K"
    assert compact_dollars(3_400_000) == "$3.4M"
    assert compact_dollars(1_000_000) == "$1M"
    assert compact_dollars(1_250_000_000) == "$1.2B"


def test_bar_chart_is_well_formed_svg_with_proportional_bars():
    svg = program_bar_chart(
        [
            ProgramBar("16.738 Byrne JAG", 1_000_000, 500_000, 250_000),
            ProgramBar("16.710 COPS", 500_000, 0, 0),
        ]
    )
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title").text == "Funding by program"
    widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect") if float(r.get("y")) > 20]
    # First program: exposure, max, at risk; second: exposure only (zero-length bars omitted).
    assert widths == [230.0, 115.0, 57.5, 115.0]


def test_chart_text_is_escaped():
    svg = program_bar_chart([ProgramBar('<script>"x"</script>', 10, 5, 1)])
    assert "<script>" not in svg
    assert "&lt;script&gt;&quot;x&quot;" in svg
    ET.fromstring(svg)


def test_empty_charts_say_so():
    assert "No program exposure recorded." in program_bar_chart([])
    assert "No assessment recorded yet." in risk_line_chart([])
    ET.fromstring(risk_line_chart([]))


def test_line_chart_steps_between_assessments():
    svg = risk_line_chart(
        [
            RiskPoint(dt.date(2025, 1, 1), 100, 10),
            RiskPoint(dt.date(2025, 3, 1), 300, 40),
            RiskPoint(dt.date(2025, 2, 1), 200, 20),
        ]
    )
    root = ET.fromstring(svg)
    points = root.find(f"{SVG}polyline").get("points").split()
    # Three assessments make a step line of five vertices (hold, then change).
    assert len(points) == 5
    ys = [float(p.split(",")[1]) for p in points]
    assert ys[1] == ys[0]
    assert ys[3] == ys[2]
    assert ys[0] > ys[2] > ys[4]  # rising amounts go up the chart
    assert re.search(r"2025-01-01</text>.*2025-03-01</text>", svg)
    assert len(root.findall(f"{SVG}circle")) == 3


def test_line_chart_with_one_point():
    root = ET.fromstring(risk_line_chart([RiskPoint(dt.date(2025, 1, 1), 0, 0)]))
    assert root.find(f"{SVG}polyline") is None
    assert len(root.findall(f"{SVG}circle")) == 1


def test_state_tiles_cover_states_and_dc_and_shade_by_amount():
    tiles = state_tiles(
        totals={
            "CA": {"funding_at_risk_usd": 1_000_000, "count": 3},
            "IL": {"funding_at_risk_usd": 10_000, "count": 1},
            "TX": {"funding_at_risk_usd": 0, "count": 2},
        },
        names=US_STATES,
    )
    by_code = {tile.code: tile for tile in tiles}
    assert set(by_code) == set(US_STATES) - {"PR"}
    assert len({(t.row, t.column) for t in tiles}) == 51
    assert by_code["CA"].shade == 5
    assert by_code["IL"].shade == 1  # small but visible
    assert by_code["TX"].shade == 0
    assert by_code["NY"].shade == 0
    assert by_code["NY"].jurisdictions == 0
    assert by_code["DC"].name == "District of Columbia"
    assert STATE_TILE_POSITIONS["AK"] == (1, 1)
