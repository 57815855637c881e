"""The Atom feeds parse as Atom, carry the required elements and list the right records."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from tests.factories import StatementFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def parse_atom(response) -> ET.Element:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        element = root.find(f"{ATOM}{name}")
        assert element is not None, f"feed/{name} missing"
        assert (element.text or "").strip(), f"feed/{name} empty"
    assert root.find(f"{ATOM}link[@rel='self']") is not None
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            element = entry.find(f"{ATOM}{name}")
            assert element is not None, f"entry/{name} missing"
            assert (element.text or "").strip(), f"entry/{name} empty"
        link = entry.find(f"{ATOM}link")
        assert link is not None
        assert link.get("href")
        dt.datetime.fromisoformat(entry.find(f"{ATOM}updated").text)
    return root


def entry_titles(root: ET.Element) -> list[str]:
    return [entry.find(f"{ATOM}title").text for entry in root.findall(f"{ATOM}entry")]


def test_statements_feed_lists_every_new_statement(client, city):
    root = parse_atom(client.get("/feeds/statements/"))
    titles = entry_titles(root)
    assert len(titles) == 2
    assert "Dana Reyes (Riverton, CA), January 10, 2024" in titles
    entry = next(
        e for e in root.findall(f"{ATOM}entry") if "Dana Reyes" in e.find(f"{ATOM}title").text
    )
    assert (
        entry.find(f"{ATOM}link")
        .get("href")
        .endswith(f"/jurisdictions/riverton-ca/#statement-{city.statements[0].pk}")
    )
    assert "Our police will not hold people" in entry.find(f"{ATOM}summary").text
    assert (
        entry.find(f"{ATOM}id").text
        == f"tag:sanctuary-compliance,2025:statement:{city.statements[0].pk}"
    )


def test_actions_feed_lists_every_new_action_with_its_source(client, city):
    root = parse_atom(client.get("/feeds/actions/"))
    titles = entry_titles(root)
    assert len(titles) == 3
    assert "Letter to Elsewhere (U.S. Department of Justice, January 20, 2025)" in titles
    links = {e.find(f"{ATOM}link").get("href") for e in root.findall(f"{ATOM}entry")}
    assert "https://www.justice.gov/example/riverton-letter" in links


def test_jurisdiction_feeds_list_only_its_records(client, city):
    StatementFactory(speaker="Someone Else")  # another jurisdiction
    statements = parse_atom(client.get("/jurisdictions/riverton-ca/feeds/statements/"))
    assert statements.find(f"{ATOM}title").text == "Statements: Riverton, CA"
    assert len(entry_titles(statements)) == 2
    actions = parse_atom(client.get("/jurisdictions/riverton-ca/feeds/actions/"))
    titles = entry_titles(actions)
    assert len(titles) == 2
    assert not any("Elsewhere" in title for title in titles)
    assert any("Order on sanctuary jurisdictions" in title for title in titles)


def test_an_empty_feed_is_still_valid_atom(client, db):
    root = parse_atom(client.get("/feeds/statements/"))
    assert entry_titles(root) == []


def test_feed_of_an_unknown_jurisdiction_is_404(client, db):
    assert client.get("/jurisdictions/nowhere/feeds/statements/").status_code == 404
    assert client.get("/jurisdictions/nowhere/feeds/actions/").status_code == 404


def test_feed_queries_are_bounded(client, city, django_assert_max_num_queries):
    for _ in range(20):
        StatementFactory(jurisdiction=city.jurisdiction)
    with django_assert_max_num_queries(3):
        client.get("/feeds/statements/")
    with django_assert_max_num_queries(5):
        client.get("/jurisdictions/riverton-ca/feeds/actions/")


def test_recorded_markup_reaches_a_feed_reader_as_text(client, city):
    """A summary is type="html": whatever a reader decodes must be escaped markup."""
    from tests.factories import FederalActionFactory

    StatementFactory(jurisdiction=city.jurisdiction, quote='<script>alert("x")</script> & more')
    FederalActionFactory(targets=[city.jurisdiction], summary="<img src=x onerror=alert(1)>")
    for url in ("/feeds/statements/", "/feeds/actions/"):
        root = parse_atom(client.get(url))
        for entry in root.findall(f"{ATOM}entry"):
            summary = entry.find(f"{ATOM}summary")
            assert summary.get("type") == "html"
            decoded = summary.text  # what a reader gets after XML decoding: HTML source
            assert "<script" not in decoded
            assert "<img" not in decoded
    root = parse_atom(client.get("/feeds/statements/"))
    texts = [e.find(f"{ATOM}summary").text for e in root.findall(f"{ATOM}entry")]
    assert any("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in t for t in texts)
