"""The dashboard pages through Django's test client: content, filters, errors, query counts."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine

from compliance.dashboard.tiles import STATE_TILE_POSITIONS
from compliance.models import RiskTimelinePoint
from compliance.selectors.figures import risk_assessment_compute
from jurisdictions.choices import JurisdictionKind, StanceCode
from jurisdictions.models import Jurisdiction
from tests.factories import (
    FederalActionFactory,
    JurisdictionFactory,
    OfficialFactory,
    PolicyStanceFactory,
    StatementFactory,
)
from tests.helpers import queries

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC)


def text(response) -> str:
    """The response's visible text with tags removed and whitespace collapsed."""
    return text_of(response.content.decode())


def text_of(body: str) -> str:
    """Visible text of HTML, tags removed and whitespace collapsed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body))).strip()


def ranking_names(response) -> list[str]:
    """Jurisdiction names in the ranking table, in order."""
    table = response.content.decode().split('<table class="ranking">', 1)[1].split("</table>")[0]
    return re.findall(r'<th scope="row"><a href="/jurisdictions/[^"]+/">([^<]+)</a>', table)


def make_ranked(**overrides) -> Jurisdiction:
    defaults = {"risk_stale": False, "exposure_usd": 0, "max_at_risk_usd": 0}
    defaults.update(overrides)
    defaults["max_at_risk_usd"] = max(
        defaults["max_at_risk_usd"], defaults.get("funding_at_risk_usd", 0)
    )
    defaults["exposure_usd"] = max(defaults["exposure_usd"], defaults["max_at_risk_usd"])
    return JurisdictionFactory(**defaults)


@pytest.fixture
def ranked(db) -> dict[str, Jurisdiction]:
    return {
        "alpha": make_ranked(
            name="Alpha City",
            state="CA",
            kind=JurisdictionKind.CITY,
            stance=StanceCode.SANCTUARY,
            funding_at_risk_usd=3_000_000,
            exposure_usd=9_000_000,
            risk_score=80,
            risk_level="severe",
            population=50_000,
        ),
        "bravo": make_ranked(
            name="Bravo County",
            state="IL",
            kind=JurisdictionKind.COUNTY,
            fips="17031",
            stance=StanceCode.PARTIAL,
            funding_at_risk_usd=1_234_567,
            exposure_usd=2_000_000,
            risk_score=55,
            risk_level="high",
            population=900_000,
        ),
        "charlie": make_ranked(
            name="Charlie Town",
            state="CA",
            kind=JurisdictionKind.CITY,
            stance=StanceCode.COOPERATIVE,
            funding_at_risk_usd=0,
            exposure_usd=400_000,
            risk_score=5,
            risk_level="none",
            population=None,
        ),
        "delta": make_ranked(
            name="Delta Springs",
            state="TX",
            kind=JurisdictionKind.CITY,
            stance=StanceCode.ENFORCING,
            funding_at_risk_usd=10_000,
            exposure_usd=100_000,
            risk_score=12,
            risk_level="low",
            population=20_000,
        ),
    }


# --- National page ----------------------------------------------------------------------------


def test_national_page_shows_totals_in_dollars_and_levels(client, ranked):
    response = client.get("/")
    assert response.status_code == 200
    page = text(response)
    assert "National totals" in page
    assert "$4,244,567" in page  # funding at risk summed
    assert "$11,500,000" in page  # exposure summed
    levels = response.context["totals"]["by_level"]
    assert levels == {"none": 1, "low": 1, "elevated": 0, "high": 1, "severe": 1}


def test_national_page_ranks_by_funding_at_risk(client, ranked):
    response = client.get("/")
    assert ranking_names(response) == [
        "Alpha City",
        "Bravo County",
        "Delta Springs",
        "Charlie Town",
    ]
    assert "4 jurisdictions" in text(response)


def test_tile_map_has_every_state_and_dc_linked_and_shaded(client, ranked):
    body = client.get("/").content.decode()
    tiles = re.findall(
        r'<a class="tile (shade-\d|no-award-data)[^"]*"\s+href="\?state=([A-Z]{2})"', body
    )
    assert {code for _, code in tiles} == set(STATE_TILE_POSITIONS)
    assert len(tiles) == 51
    shades = {code: shade for shade, code in tiles}
    assert shades["CA"] == "shade-5"  # the largest amount
    assert shades["IL"] in {f"shade-{n}" for n in range(1, 5)}
    assert shades["TX"] == "shade-5" or shades["TX"].startswith("shade-")
    assert shades["NY"] == "no-award-data", "nothing recorded is no data, not nothing at risk"
    assert "No award data" in body.split('class="tile-legend"', 1)[1]
    assert len(set(STATE_TILE_POSITIONS.values())) == 51  # no two tiles share a square


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("state=CA", ["Alpha City", "Charlie Town"]),
        ("kind=county", ["Bravo County"]),
        ("stance=enforcing", ["Delta Springs"]),
        ("risk_level=high", ["Bravo County"]),
        ("q=spring", ["Delta Springs"]),
        ("state=CA&stance=cooperative", ["Charlie Town"]),
    ],
)
def test_filters_narrow_the_ranking_and_the_totals(client, ranked, query, expected):
    response = client.get(f"/?{query}")
    assert response.status_code == 200
    assert ranking_names(response) == expected
    assert response.context["totals"]["count"] == len(expected)
    assert "Totals for the filtered jurisdictions" in text(response)


def test_filters_keep_their_values_in_the_form(client, ranked):
    body = client.get("/?state=IL&kind=county").content.decode()
    assert re.search(r'<option value="IL" selected>Illinois</option>', body)
    assert re.search(r'<option value="county" selected>County</option>', body)
    assert '<label for="id_state">State</label>' in body


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("name", ["Alpha City", "Bravo County", "Charlie Town", "Delta Springs"]),
        ("-name", ["Delta Springs", "Charlie Town", "Bravo County", "Alpha City"]),
        ("-population", ["Bravo County", "Alpha City", "Delta Springs", "Charlie Town"]),
        ("population", ["Delta Springs", "Alpha City", "Bravo County", "Charlie Town"]),
        ("-risk_score", ["Alpha City", "Bravo County", "Delta Springs", "Charlie Town"]),
        ("funding_at_risk_usd", ["Charlie Town", "Delta Springs", "Bravo County", "Alpha City"]),
    ],
)
def test_sorting(client, ranked, ordering, expected):
    assert ranking_names(client.get(f"/?ordering={ordering}")) == expected


def test_sort_headers_toggle_and_mark_the_current_sort(client, ranked):
    response = client.get("/?state=CA&ordering=-risk_score&page=1")
    sort = response.context["sort"]
    assert sort["risk_score"]["aria_sort"] == "descending"
    assert parse_qs(urlparse(sort["risk_score"]["href"]).query) == {
        "state": ["CA"],
        "ordering": ["risk_score"],
    }
    assert parse_qs(urlparse(sort["name"]["href"]).query)["ordering"] == ["name"]
    assert 'aria-sort="descending"' in response.content.decode()


def test_csv_link_carries_the_same_filters_to_the_api(client, ranked):
    response = client.get("/?state=CA&stance=sanctuary&ordering=name&page=2")
    url = urlparse(response.context["csv_url"])
    assert url.path == "/api/v1/jurisdictions/"
    assert parse_qs(url.query) == {
        "format": ["csv"],
        "page_size": ["all"],
        "state": ["CA"],
        "stance": ["sanctuary"],
        "ordering": ["name"],
    }
    assert 'href="/api/v1/jurisdictions/?format=csv&amp;page_size=all&amp;state=CA' in (
        response.content.decode()
    )


def test_pagination_keeps_filters_and_numbers_ranks(client, db):
    for n in range(120):
        make_ranked(name=f"Place {n:03d}", state="WA", funding_at_risk_usd=1_000 * (200 - n))
    response = client.get("/?state=WA&page=2")
    assert response.status_code == 200
    names = ranking_names(response)
    assert names[0] == "Place 050"
    assert len(names) == 50
    page = text(response)
    assert "Page 2 of 3" in page
    body = response.content.decode()
    assert 'href="?state=WA&amp;page=3" rel="next"' in body
    assert 'href="?state=WA&amp;page=1" rel="prev"' in body
    assert re.search(r'<td class="num">51</td>\s*<th scope="row"><a href="[^"]+">Place 050', body)


def test_a_page_number_out_of_range_shows_the_last_page(client, ranked):
    response = client.get("/?page=99")
    assert response.status_code == 200
    assert ranking_names(response)[0] == "Alpha City"


def test_an_invalid_filter_is_reported_and_ignored_not_a_500(client, ranked):
    response = client.get("/?state=ZZ&kind=city")
    assert response.status_code == 400
    page = text(response)
    assert "Some filters could not be applied" in page
    assert "State: Select a valid choice." in page
    assert ranking_names(response) == ["Alpha City", "Delta Springs", "Charlie Town"]


def test_national_page_links_its_atom_feeds_and_loads_only_local_assets(client, ranked):
    body = client.get("/").content.decode()
    assert re.search(
        r'<link rel="alternate" type="application/atom\+xml"[^>]+href="/feeds/statements/"', body
    )
    assert re.search(
        r'<link rel="alternate" type="application/atom\+xml"[^>]+href="/feeds/actions/"', body
    )
    for attribute in re.findall(r'(?:src|href)="([^"]+)"', body):
        if attribute.startswith("http"):
            pytest.fail(f"the page references an outside address: {attribute}")


def test_national_page_query_count_is_small(client, ranked, django_assert_max_num_queries):
    # One GROUP BY state (map and totals), one page of rows, and the national series: its
    # totals by date, the federal actions and their status changes (the event marks).
    with django_assert_max_num_queries(5):
        assert client.get("/?state=CA&ordering=name").status_code == 200


def test_empty_database_renders(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "No jurisdiction matches these filters." in text(response)
    assert "$0" in text(response)


# --- City dashboard ---------------------------------------------------------------------------


@time_machine.travel(TODAY, tick=False)
def test_city_dashboard_shows_identity_and_figures(client, city):
    response = client.get("/jurisdictions/riverton-ca/")
    assert response.status_code == 200
    page = text(response)
    assert "Riverton, CA" in page
    assert "City · CA · Population 456,789 (2022)" in page
    assert "Stance Sanctuary since June 1, 2017" in page
    assert "Funding at risk $987,654" in page
    assert "Maximum at risk $1,500,000" in page
    assert "Exposure $2,500,000" in page
    assert "High score 61 of 100" in page
    assert "Computed at April 2, 2025, 09:30 UTC by method 2025.1." in page
    assert "Stale:" not in page


@time_machine.travel(TODAY, tick=False)
def test_stale_marker(client, city):
    Jurisdiction.objects.filter(pk=city.jurisdiction.pk).update(risk_stale=True)
    page = text(client.get("/jurisdictions/riverton-ca/"))
    assert "Stale: records changed since then; a recompute is queued." in page


@time_machine.travel(TODAY, tick=False)
def test_drivers_link_their_evidence_on_the_page(client, city):
    body = client.get("/jurisdictions/riverton-ca/").content.decode()
    listed, statement = city.actions["listed"], city.statements[0]
    stance = city.stances[1]
    assert (
        f'<a href="#action-{listed.pk}">The DOJ letter of January 15, 2025 threatens Byrne JAG.</a>'
        in body
    )
    assert f'id="action-{listed.pk}"' in body
    assert f'<a href="#statement-{statement.pk}">The mayor&#x27;s defiant statement' in body
    assert f'id="statement-{statement.pk}"' in body
    assert f'<a href="#stance-{stance.pk}">' in body
    assert f'id="stance-{stance.pk}"' in body
    assert "$600,000" in text(client.get("/jurisdictions/riverton-ca/"))


@time_machine.travel(TODAY, tick=False)
def test_program_breakdown_chart_and_table(client, city):
    response = client.get("/jurisdictions/riverton-ca/")
    body = response.content.decode()
    programs = body.split('id="programs"', 1)[1].split("</section>", 1)[0]
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-bars"' in programs
    assert re.search(
        r'<th scope="row">16.738 Byrne JAG</th><td class="hide-phone">FY2024 award</td>'
        r'<td class="num strong">\$987,654</td>'
        r'<td class="num hide-phone">\$1,500,000</td><td class="num">\$2,500,000</td>',
        programs,
    )


@time_machine.travel(TODAY, tick=False)
def test_risk_over_time_is_the_stored_timeline_with_its_events(client, city):
    listed = city.actions["listed"]
    for on, funding, events in (
        (dt.date(2024, 10, 1), 0, []),
        (dt.date(2025, 1, 15), 400_000,
         [{"type": "action", "id": listed.pk, "label": "DOJ letter <threat>"}]),
    ):  # fmt: skip
        RiskTimelinePoint.objects.create(
            jurisdiction=city.jurisdiction, on=on, state="CA", kind="city",
            method_version="2025.1", exposure_usd=2_500_000, max_at_risk_usd=1_500_000,
            funding_at_risk_usd=funding, score=30, level="high", stance="sanctuary",
            events=events,
        )  # fmt: skip
    body = client.get("/jurisdictions/riverton-ca/").content.decode()
    history = body.split('id="history-heading"', 1)[1].split("</section>", 1)[0]
    assert 'class="chart chart-timeline"' in history
    dates = re.findall(r'<circle class="point" data-date="([\d-]+)"', history)
    assert dates == ["2024-10-01", "2025-01-15"], "a point where the figures change"
    assert f'<a href="#action-{listed.pk}"><path class="marker marker-action"' in history
    assert "2025-01-15: DOJ letter &lt;threat&gt;</title>" in history
    assert "2025-01-15: $400,000 at risk (maximum $1,500,000)" in history
    # The table lists the changes, each linking the page as of its date; the assessment log
    # (this install's computations) stays apart, named so.
    assert '<a href="?as_of=2025-01-15">2025-01-15</a>' in history
    assert "Assessment log" in history
    assert "April 2, 2025" in history


@time_machine.travel(TODAY, tick=False)
def test_one_interleaved_timeline_of_statements_and_reaching_actions(client, city):
    response = client.get("/jurisdictions/riverton-ca/")
    entries = [(e.kind, e.record.pk) for e in response.context["page"].timeline]
    assert entries == [
        ("statement", city.statements[1].pk),  # 2025-02-20
        ("action", city.actions["all_sanctuary"].pk),  # 2025-01-25, aimed at every sanctuary
        ("action", city.actions["listed"].pk),  # 2025-01-15, names Riverton
        ("statement", city.statements[0].pk),  # 2024-01-10
    ]
    page = text(response)
    assert "Letter to Elsewhere" not in page
    assert "aimed at every sanctuary jurisdiction" in page
    assert "names Riverton" in page
    assert "programs: 16.738" in page
    body = response.content.decode()
    assert 'href="https://www.justice.gov/example/riverton-letter"' in body
    assert 'href="https://news.example.org/reyes-jan"' in body
    assert "Our police will not hold people for civil detainers." in page


@time_machine.travel(TODAY, tick=False)
def test_an_all_sanctuary_action_does_not_reach_a_cooperative_jurisdiction(client, city):
    quiet = JurisdictionFactory(name="Quiet Hollow", slug="quiet-hollow-oh", state="OH")
    PolicyStanceFactory(jurisdiction=quiet, code=StanceCode.COOPERATIVE)
    response = client.get("/jurisdictions/quiet-hollow-oh/")
    assert response.context["page"].timeline == []
    assert "Order on sanctuary jurisdictions" not in text(response)


@time_machine.travel(TODAY, tick=False)
def test_stance_timeline_and_officials(client, city):
    OfficialFactory(
        jurisdiction=city.jurisdiction,
        name="Former Mayor",
        term_start=dt.date(2010, 1, 1),
        term_end=dt.date(2015, 1, 1),
    )
    body = client.get("/jurisdictions/riverton-ca/").content.decode()
    page = text_of(body)
    assert "Cooperative January 1, 2010 \u2013 May 31, 2017" in page
    assert "Sanctuary June 1, 2017 \u2013 present" in page
    officials = body.split('id="officials-heading"', 1)[1].split("</section>", 1)[0]
    in_office, former = officials.split("<details>", 1)
    assert "Dana Reyes" in in_office
    assert "Former Mayor" not in in_office
    assert "Former officials" in former
    assert "Former Mayor" in text_of(former)
    assert "January 1, 2010 \u2013 January 1, 2015" in text_of(former)


@time_machine.travel(TODAY, tick=False)
def test_cite_block_and_feed_links(client, city):
    body = client.get("/jurisdictions/riverton-ca/").content.decode()
    assert "http://testserver/jurisdictions/riverton-ca/?as_of=2025-06-01" in body
    page = text(client.get("/jurisdictions/riverton-ca/"))
    assert (
        "Riverton, CA: $987,654 in federal funding at risk (exposure $2,500,000, method 2025.1), "
        "as of June 1, 2025." in page
    )
    assert re.search(
        r'<link rel="alternate" type="application/atom\+xml"[^>]+'
        r'href="/jurisdictions/riverton-ca/feeds/statements/"',
        body,
    )
    assert re.search(
        r'<link rel="alternate" type="application/atom\+xml"[^>]+'
        r'href="/jurisdictions/riverton-ca/feeds/actions/"',
        body,
    )


@time_machine.travel(TODAY, tick=False)
def test_date_picker_is_a_labelled_get_form(client, city):
    body = client.get("/jurisdictions/riverton-ca/").content.decode()
    assert '<form method="get" action="/jurisdictions/riverton-ca/" class="as-of-form">' in body
    assert '<label for="as-of">Show this page as of</label>' in body
    assert 'type="date" id="as-of" name="as_of" value="" max="2025-06-01"' in body


@time_machine.travel(TODAY, tick=False)
def test_as_of_shows_the_page_as_of_that_date(client, city):
    response = client.get("/jurisdictions/riverton-ca/?as_of=2025-01-20")
    assert response.status_code == 200
    page = text(response)
    expected = risk_assessment_compute(
        jurisdiction_id=city.jurisdiction.pk, as_of=dt.date(2025, 1, 20)
    )
    figures = response.context["figures"]
    assert figures.computed_on_request
    assert figures.funding_at_risk_usd == expected.funding_at_risk_usd
    assert figures.exposure_usd == expected.exposure_usd
    assert f"Funding at risk ${expected.funding_at_risk_usd:,}" in page
    assert "as of January 20, 2025" in page
    assert "Computed on request for January 20, 2025" in page
    # Only what was dated on or before the date.
    assert [(e.kind, e.record.pk) for e in response.context["page"].timeline] == [
        ("action", city.actions["listed"].pk),
        ("statement", city.statements[0].pk),
    ]
    assert "We follow the ordinance and the law." not in page
    assert "Order on sanctuary jurisdictions" not in page
    # History up to the date only.
    assert len(response.context["page"].history) == 1
    assert "?as_of=2025-01-20" in response.content.decode()
    assert 'name="as_of" value="2025-01-20"' in response.content.decode()


@time_machine.travel(TODAY, tick=False)
def test_as_of_uses_the_stance_in_force_on_that_date(client, city):
    response = client.get("/jurisdictions/riverton-ca/?as_of=2016-03-01")
    assert response.status_code == 200
    assert response.context["page"].stance == "cooperative"
    assert "Stance Cooperative" in text(response)
    assert response.context["page"].timeline == []
    assert [s.code for s in response.context["page"].stances] == ["cooperative"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2025-13-45", "is not a date. Use the form YYYY-MM-DD"),
        ("yesterday", "is not a date. Use the form YYYY-MM-DD"),
        ("2030-01-01", "That date is in the future"),
    ],
)
@time_machine.travel(TODAY, tick=False)
def test_a_malformed_or_future_as_of_is_a_friendly_400(client, city, value, message):
    response = client.get(f"/jurisdictions/riverton-ca/?as_of={value}")
    assert response.status_code == 400
    page = text(response)
    assert message in page
    assert "Showing the current page instead." in page
    assert "Funding at risk $987,654" in page


def test_unknown_slug_is_404(client, db):
    assert client.get("/jurisdictions/no-such-place/").status_code == 404


@time_machine.travel(TODAY, tick=False)
def test_quotes_are_escaped(client, city):
    StatementFactory(
        jurisdiction=city.jurisdiction,
        said_on=dt.date(2025, 3, 1),
        quote='<script>alert("x")</script> we stand firm',
    )
    body = client.get("/jurisdictions/riverton-ca/").content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert" in body


@time_machine.travel(TODAY, tick=False)
def test_a_jurisdiction_never_assessed_says_so(client, db):
    JurisdictionFactory(name="Newtown", slug="newtown-ca", risk_stale=True)
    response = client.get("/jurisdictions/newtown-ca/")
    assert response.status_code == 200
    page = text(response)
    assert "No assessment has been recorded for Newtown, CA yet; one is queued." in page
    assert "No timeline: no record bears on the figures yet." in page  # the empty chart
    # The figures are computed on request meanwhile, as the API answers them.
    assert "Computed on request for" in page


@time_machine.travel(TODAY, tick=False)
def test_city_dashboard_query_count_does_not_grow_with_statements(
    client, city, django_assert_num_queries, django_assert_max_num_queries
):
    def count() -> int:
        with queries() as run:
            assert client.get("/jurisdictions/riverton-ca/").status_code == 200
        return len(run)

    before = count()
    official = city.official
    for n in range(30):
        StatementFactory(
            jurisdiction=city.jurisdiction,
            official=official if n % 2 else None,
            said_on=dt.date(2024, 6, 1) + dt.timedelta(days=n),
        )
        FederalActionFactory(
            targets=[city.jurisdiction], issued_on=dt.date(2024, 8, 1) + dt.timedelta(days=n)
        )
    assert count() == before
    with django_assert_max_num_queries(10):
        client.get("/jurisdictions/riverton-ca/")


@time_machine.travel(TODAY, tick=False)
def test_as_of_query_count_does_not_grow_with_statements(client, city):
    def count() -> int:
        with queries() as run:
            assert client.get("/jurisdictions/riverton-ca/?as_of=2025-05-01").status_code == 200
        return len(run)

    before = count()
    for n in range(25):
        StatementFactory(
            jurisdiction=city.jurisdiction, said_on=dt.date(2024, 6, 1) + dt.timedelta(days=n)
        )
    assert count() == before


# --- Data gaps and the method page ------------------------------------------------------------


def test_no_award_data_ranks_apart_and_never_reads_zero(client, ranked):
    make_ranked(name="Echo Bay", state="WA", stance=StanceCode.SANCTUARY,
                data_gaps="no_awards", risk_level="none")  # fmt: skip
    for ordering in ("-funding_at_risk_usd", "funding_at_risk_usd", "name", "-risk_score"):
        response = client.get(f"/?ordering={ordering}")
        assert ranking_names(response)[-1] == "Echo Bay", ordering
    response = client.get("/?ordering=funding_at_risk_usd")
    table = response.content.decode().split('<table class="ranking">', 1)[1]
    row = table.split("Echo Bay", 1)[1].split("</tr>", 1)[0]
    assert "No award data" in row
    assert "$0" not in row
    assert "No award data on record" in table.split("Echo Bay", 1)[0]  # the group's heading
    page = text(response)
    assert "1 without award data" in page
    tiles = re.findall(r'<a class="tile ([a-z0-9-]+)[^"]*"\s+href="\?state=([A-Z]{2})"',
                       response.content.decode())  # fmt: skip
    assert dict((code, shade) for shade, code in tiles)["WA"] == "no-award-data"


@time_machine.travel(TODAY, tick=False)
def test_a_jurisdiction_without_awards_reads_no_award_data(client, db):
    place = JurisdictionFactory(name="Dryville", slug="dryville-or", state="OR")
    PolicyStanceFactory(jurisdiction=place, code=StanceCode.SANCTUARY)
    FederalActionFactory(targets=[place], effect="withholding")
    response = client.get("/jurisdictions/dryville-or/")
    page = text(response)
    assert "Funding at risk No award data" in page
    assert "This is a gap in the data, not a finding that nothing is at risk." in page
    assert "no award data: no grant figure on record" in page
    assert "Funding at risk $0" not in page
    assert "no award data on record, so no amount" in page  # the citation says it too


def test_method_page_is_the_readme_method_section(client, db):
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How funding at risk is computed", 1)[1].split("\n## ", 1)[0]
    response = client.get("/method/")
    assert response.status_code == 200
    page = text(response)
    for heading in ("The method in plain words", "Weights", "Worked example", "Caveats",
                    "Glossary"):  # fmt: skip
        assert f'id="{heading.lower().replace(" ", "-")}"' in response.content.decode()
        assert heading in section
    assert "$161,041" in page
    assert "$161,041" in section
    assert "STATEMENT_HALF_LIFE_DAYS" in page
    assert re.search(r"<table>.*STANCE_FACTOR", response.content.decode(), re.S)


@time_machine.travel(TODAY, tick=False)
def test_every_figure_links_the_method(client, city):
    body = client.get("/jurisdictions/riverton-ca/").content.decode()
    figures = body.split('id="figures-heading"', 1)[1].split("</dl>", 1)[0]
    assert figures.count('href="/method/#glossary"') == 4
    why = body.split('id="why-heading"', 1)[1].split("</section>", 1)[0]
    assert 'href="/method/#the-method-in-plain-words"' in why
    assert "they do not add up to the total" in why


@time_machine.travel(TODAY, tick=False)
def test_computed_pages_are_limited_per_client_and_cached_until_the_records_change(
    client, city, settings, redis_url, django_capture_on_commit_callbacks
):
    settings.DASHBOARD_COMPUTED_PAGES_PER_MINUTE = 3
    url = "/jurisdictions/riverton-ca/?as_of=2025-05-01"
    first = client.get(url)
    assert first.status_code == 200
    with queries() as run:
        again = client.get(url)
    assert again.content == first.content
    assert len(run) <= 2, "served from the cache"
    with django_capture_on_commit_callbacks(execute=True):
        StatementFactory(jurisdiction=city.jurisdiction, said_on=dt.date(2025, 4, 1))
    with queries() as run:
        assert client.get(url).status_code == 200
    assert len(run) > 5, "a change to the records is never served from the old page"
    limited = client.get("/jurisdictions/riverton-ca/?as_of=2025-04-01")
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) >= 1
    assert "Too many requests" in text(limited)
    assert client.get("/jurisdictions/riverton-ca/").status_code == 200, "the current page"
