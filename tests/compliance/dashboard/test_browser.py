"""The dashboard in headless Chromium, against a live test server.

Needs Debian's ``chromium`` package (``/usr/bin/chromium``, or ``CHROMIUM_PATH``) and Playwright
for Python; no browser is downloaded. Screenshots go to ``artifacts/screenshots/``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from compliance.services.recompute import risk_assessments_record_many
from jurisdictions.choices import JurisdictionKind, StanceCode
from tests.factories import (
    FederalActionFactory,
    GrantAwardFactory,
    GrantProgramFactory,
    JurisdictionFactory,
    PolicyStanceFactory,
    StatementFactory,
)
from tests.helpers import require_service

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# (name, state, kind, stance, funding at risk, score, level): enough to shade the map.
OTHERS = [
    ("Harbor City", "NY", "city", "sanctuary", 4_200_000, 72, "severe"),
    ("Lakeview County", "IL", "county", "partial", 1_900_000, 58, "high"),
    ("Mesa Verde", "AZ", "city", "unknown", 250_000, 22, "low"),
    ("Pine Ridge", "WA", "city", "sanctuary", 2_300_000, 66, "high"),
    ("Granite Falls", "CO", "city", "partial", 800_000, 41, "elevated"),
    ("Bayou Parish", "LA", "county", "enforcing", 0, 0, "none"),
    ("Red River", "TX", "city", "cooperative", 30_000, 9, "low"),
    ("Old Port", "MA", "city", "sanctuary", 1_100_000, 49, "elevated"),
    ("Capitol District", "DC", "consolidated", "sanctuary", 3_000_000, 70, "severe"),
    ("Sunshine County", "FL", "county", "enforcing", 0, 0, "none"),
]


@pytest.fixture
def chromium(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    require_service(
        "Chromium", bool(shutil.which(CHROMIUM)), f"install Debian's chromium ({CHROMIUM})"
    )
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls happen
    # before it starts, and the live server answers from its own thread.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def dataset(city) -> None:
    for n, (name, state, kind, stance, at_risk, score, level) in enumerate(OTHERS):
        fips = f"{n + 10:02d}{n:03d}" if kind == "county" else f"{8_800_000 + n:07d}"
        JurisdictionFactory(
            name=name,
            state=state,
            kind=JurisdictionKind(kind),
            stance=StanceCode(stance),
            fips=fips,
            slug=f"{name.lower().replace(' ', '-')}-{state.lower()}",
            funding_at_risk_usd=at_risk,
            max_at_risk_usd=at_risk * 2,
            exposure_usd=at_risk * 3 + 100_000,
            risk_score=score,
            risk_level=level,
            risk_stale=False,
            population=50_000 + n * 12_345,
        )


def shoot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def ranking_names(page) -> list[str]:
    return page.locator("table.ranking tbody th[scope=row] a").all_inner_texts()


def test_dashboard_in_a_real_browser(live_server, dataset, city, chromium):
    requested: list[str] = []
    base = live_server.url

    def visit(viewport: dict[str, int], *, javascript: bool = True):
        context = chromium.new_context(viewport=viewport, java_script_enabled=javascript)
        page = context.new_page()
        page.on("request", lambda request: requested.append(request.url))
        return context, page

    # National page, desktop.
    context, page = visit(DESKTOP)
    page.goto(f"{base}/")
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Federal funding at risk, by jurisdiction"
    )
    names = ranking_names(page)
    assert names[:3] == ["Harbor City", "Capitol District", "Pine Ridge"]
    assert "Riverton" in names
    assert page.locator(".totals .emphasis dd").inner_text() == "$14,567,654"
    assert page.locator(".tile-map a.tile").count() == 51
    assert page.locator('.tile-map a[href="?state=NY"]').get_attribute("class") == "tile shade-5"
    shoot(page, "national-desktop")

    # A filter: California only, through the form.
    page.get_by_label("State", exact=True).select_option(label="California")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"state=CA"))
    assert ranking_names(page) == ["Riverton"]
    assert "1 jurisdiction matches the filters" in page.locator("#ranking-heading").inner_text()
    csv_href = page.get_by_role("link", name="Download CSV").get_attribute("href")
    assert parse_qs(urlparse(csv_href).query)["state"] == ["CA"]
    assert page.locator('.tile-map a[aria-current="true"]').inner_text().startswith("CA")

    # Into the city dashboard.
    page.get_by_role("link", name="Riverton").click()
    page.wait_for_url(f"{base}/jurisdictions/riverton-ca/")
    assert page.get_by_role("heading", level=1).inner_text() == "Riverton, CA"
    figures = page.locator(".key-figures .emphasis dd")
    assert figures.inner_text() == "$987,654"
    assert page.locator("svg.chart-bars").is_visible()
    assert page.locator("svg.chart-timeline").is_visible()
    assert page.get_by_text("We follow the ordinance and the law.").is_visible()
    driver = page.get_by_role(
        "link", name="The DOJ letter of January 15, 2025 threatens Byrne JAG."
    )
    driver.click()
    assert page.url.endswith(f"#action-{city.actions['listed'].pk}")
    shoot(page, "city-desktop")

    # The date picker.
    page.get_by_label("Show this page as of").fill("2025-01-20")
    page.get_by_role("button", name="Show", exact=True).click()
    page.wait_for_url(re.compile(r"as_of=2025-01-20"))
    assert "as of January 20, 2025" in page.locator(".notice-asof").inner_text()
    assert page.get_by_text("We follow the ordinance and the law.").count() == 0
    assert page.get_by_text("Our police will not hold people for civil detainers.").is_visible()
    assert "?as_of=2025-01-20" in page.locator("#citation").inner_text()
    shoot(page, "city-as-of-desktop")
    assert page.get_by_role("button", name="Copy citation").is_visible()  # the enhancement

    # Print: the controls are left out.
    page.emulate_media(media="print")
    assert page.locator(".as-of-form").is_hidden()
    assert page.locator(".site-header nav").is_hidden()
    assert page.locator(".key-figures").is_visible()
    shoot(page, "city-print")
    context.close()

    # Phone width, JavaScript off: both pages fit the screen and the filters still work.
    context, page = visit(PHONE, javascript=False)
    for path, name in (("/", "national-phone"), ("/jurisdictions/riverton-ca/", "city-phone")):
        page.goto(f"{base}{path}")
        assert page.get_by_role("heading", level=1).is_visible()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px at phone width"
        for scroller in page.locator(".table-scroll").all():
            inner = scroller.evaluate("node => node.scrollWidth - node.clientWidth")
            assert inner <= 1, f"a table on {path} needs sideways scrolling ({inner}px)"
        shoot(page, name)
    assert page.get_by_role("button", name="Copy citation").count() == 0
    page.goto(f"{base}/")
    page.get_by_label("Kind").select_option("county")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"kind=county"))
    assert ranking_names(page) == ["Lakeview County", "Bayou Parish", "Sunshine County"]
    context.close()

    outside = [url for url in requested if not url.startswith(base) and not url.startswith("data:")]
    assert not outside, f"the pages asked for addresses outside the test server: {outside}"
    assert any(url.endswith("/static/compliance/dashboard.css") for url in requested)


@pytest.fixture
def explained(db) -> dict[str, object]:
    """Computed figures (no stored shortcuts): a city where a withholding and a statement raise
    the figure, an injunction protects its COPS money and so leaves a COPS threat with no
    effect; and a sanctuary city with no award on record."""
    jag = GrantProgramFactory(aln="16.738", name="Byrne JAG", conditions_attach=True)
    cops = GrantProgramFactory(aln="16.710", name="COPS", conditions_attach=True)
    city = JurisdictionFactory(name="Gotham", slug="gotham-ny", state="NY")
    bare = JurisdictionFactory(name="Nowhere", slug="nowhere-or", state="OR")
    for place in (city, bare):
        PolicyStanceFactory(jurisdiction=place, code="sanctuary",
                            effective_from=dt.date(2014, 1, 1))  # fmt: skip
    for program, amount in ((jag, 1_000_000), (cops, 2_000_000)):
        GrantAwardFactory(jurisdiction=city, program=program, fiscal_year=2025,
                          amount_usd=amount)  # fmt: skip
    FederalActionFactory(targets=[city], programs=[jag], effect="withholding",
                         issued_on=dt.date(2025, 2, 1), title="JAG withheld")  # fmt: skip
    FederalActionFactory(targets=[city], programs=[cops], effect="threat",
                         issued_on=dt.date(2025, 2, 1), title="COPS threatened")  # fmt: skip
    FederalActionFactory(targets=[city], programs=[cops], effect="injunction",
                         kind="court_ruling", issued_on=dt.date(2025, 3, 1),
                         title="COPS conditions enjoined")  # fmt: skip
    StatementFactory(jurisdiction=city, said_on=dt.date(2025, 3, 10), position="defiant")
    risk_assessments_record_many()
    return {"city": city, "bare": bare}


def test_explanations_in_a_real_browser(live_server, explained, chromium):
    base = live_server.url
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{base}/jurisdictions/gotham-ny/")

    # The Why section: the groups, largest first, the no-effect group collapsed.
    why = page.locator("section.why")
    assert why.get_by_role("heading", name=re.compile("^Raises the figure")).is_visible()
    assert why.get_by_role("heading", name=re.compile("^Protects")).is_visible()
    collapsed = why.locator("details.driver-group-none")
    assert collapsed.get_attribute("open") is None
    threat = collapsed.get_by_role("link", name=re.compile("COPS threatened"))
    assert not threat.is_visible()
    collapsed.locator("summary").first.click()
    assert threat.is_visible()
    raises = why.locator(".driver-group-raises li .driver-line").all_inner_texts()
    assert "JAG withheld" in raises[0], raises
    assert why.get_by_text("they do not add up to the total").is_visible()

    # The waterfall and the timeline render; two points picked fill the comparison.
    assert page.locator("svg.chart-waterfall").is_visible()
    timeline = page.locator("svg#timeline")
    assert timeline.is_visible()
    points = timeline.locator("circle.point")
    assert points.count() >= 3
    assert timeline.locator("a path.marker").count() >= 3
    points.nth(0).click()
    points.nth(points.count() - 1).click()
    first, last = (points.nth(0).get_attribute("data-date"),
                   points.nth(points.count() - 1).get_attribute("data-date"))  # fmt: skip
    assert page.get_by_label("From", exact=True).input_value() == first
    assert page.get_by_label("to", exact=True).input_value() == last
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url(re.compile(r"from=.*&to="))
    assert page.get_by_role("heading", name=re.compile("^What changed from")).is_visible()
    shoot(page, "city-explained")

    # Every figure links the method page, which holds the worked example.
    method = page.locator(".key-figures").get_by_role("link", name="Funding at risk")
    assert method.get_attribute("href").startswith("/method/")
    method.click()
    page.wait_for_url(re.compile(r"/method/"))
    assert page.get_by_role("heading", name="Worked example").is_visible()

    # No award data reads so, never as $0.
    page.goto(f"{base}/jurisdictions/nowhere-or/")
    figures = page.locator(".key-figures")
    assert figures.locator(".emphasis dd").inner_text() == "No award data"
    assert "$0" not in figures.inner_text()
    assert page.locator("svg.chart-waterfall").count() == 0
    page.goto(f"{base}/")
    row = page.locator("table.ranking tr", has_text="Nowhere")
    assert "No award data" in row.inner_text()
    assert page.locator('.tile-map a[href="?state=OR"]').get_attribute("class") == (
        "tile no-award-data"
    )
    context.close()


def test_pages_run_under_the_content_security_policy(live_server, dataset, chromium):
    """No page breaks the policy: no refused script, style or request in the console, and the
    API docs render their operations."""
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    for path in ("/", "/jurisdictions/riverton-ca/", "/method/", "/admin/login/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock", timeout=15_000)
    assert page.locator(".opblock").count() > 10
    assert not refused, refused
    context.close()
