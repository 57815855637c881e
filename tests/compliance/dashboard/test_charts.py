"""The SVG charts and the tile map: pure functions, no database."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from compliance.dashboard.charts import (
    Marker,
    ProgramBar,
    StepPoint,
    compact_dollars,
    dollars,
    program_bar_chart,
    timeline_step_chart,
    waterfall_chart,
)
from compliance.dashboard.tiles import STATE_TILE_POSITIONS, state_tiles
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
    assert "No timeline" in timeline_step_chart([])
    ET.fromstring(timeline_step_chart([]))


def _step_ys(root, colour_index: int) -> list[float]:
    line = root.findall(f"{SVG}polyline")[colour_index]
    return [float(p.split(",")[1]) for p in line.get("points").split()]


def test_timeline_chart_holds_each_figure_until_the_next_change():
    svg = timeline_step_chart(
        [
            StepPoint(dt.date(2025, 1, 1), 100, 200),
            StepPoint(dt.date(2025, 3, 1), 300, 400),
            StepPoint(dt.date(2025, 2, 1), 200, 400),
        ],
        [Marker(dt.date(2025, 2, 1), 'Letter <"x">', "#action-7", "action")],
        last=dt.date(2025, 4, 1),
    )
    root = ET.fromstring(svg)
    funding = _step_ys(root, 1)
    # Each point holds until the next (two vertices a step), the last one until ``last``.
    assert len(funding) == 6
    assert funding[0] == funding[1] > funding[2] == funding[3] > funding[4] == funding[5]
    points = root.findall(f"{SVG}circle")
    assert [p.get("data-date") for p in points] == ["2025-01-01", "2025-02-01", "2025-03-01"]
    link = root.find(f"{SVG}a")
    assert link.get("href") == "#action-7"
    assert link.find(f"{SVG}path/{SVG}title").text == '2025-02-01: Letter <"x">'
    assert '<"x">' not in svg  # escaped


def test_timeline_chart_hatches_spans_without_award_data():
    svg = timeline_step_chart(
        [StepPoint(dt.date(2020, 1, 1), 0, 0, no_award_data=True),
         StepPoint(dt.date(2021, 1, 1), 10, 20)],
        last=dt.date(2022, 1, 1),
    )  # fmt: skip
    spans = [r for r in ET.fromstring(svg).iter(f"{SVG}rect") if r.get("class") == "no-data-span"]
    assert len(spans) == 1
    assert "No award data from 2020-01-01" in svg


def test_waterfall_steps_down_from_exposure_to_funding_at_risk():
    root = ET.fromstring(
        waterfall_chart(exposure_usd=1_000, max_at_risk_usd=600, funding_at_risk_usd=150)
    )
    titles = [g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g")]
    assert titles == [
        "Exposure: $1,000", "No action bears on it: -$400", "Maximum at risk: $600",
        "Likelihood \u00d7 disposition: -$450", "Funding at risk: $150",
    ]  # fmt: skip
    heights = [float(g.find(f"{SVG}rect").get("height")) for g in root.iter(f"{SVG}g")]
    assert heights[0] == heights[1] + heights[2]
    assert heights[2] == heights[3] + heights[4]


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
    assert by_code["NY"].no_award_data, "no jurisdiction: no data, not nothing at risk"
    assert not by_code["TX"].no_award_data
    assert by_code["DC"].name == "District of Columbia"
    assert STATE_TILE_POSITIONS["AK"] == (1, 1)
