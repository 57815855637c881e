"""A strict Content-Security-Policy on every page: scripts and styles from this site or with
the request's nonce, nothing from another host."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

PAGES = ["/", "/method/", "/jurisdictions/gotham-ny/", "/admin/login/", "/api/docs/",
         "/api/v1/jurisdictions/", "/feeds/statements/"]  # fmt: skip


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.fixture
def gotham():
    from tests.factories import JurisdictionFactory

    return JurisdictionFactory(slug="gotham-ny")


@pytest.mark.parametrize("path", PAGES)
def test_every_page_carries_a_strict_policy(client, gotham, path):
    response = client.get(path)
    assert response.status_code == 200, path
    policy = directives(response)
    assert policy["default-src"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    for sources in policy.values():
        assert not any(source.startswith(("http:", "https:")) for source in sources), sources


def test_the_api_docs_inline_script_carries_the_nonce(client, gotham):
    response = client.get("/api/docs/")
    nonce = next(
        source[len("'nonce-") : -1]
        for source in directives(response)["script-src"]
        if source.startswith("'nonce-")
    )
    body = response.content.decode()
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", body)
    assert inline, "the docs page initialises Swagger UI inline"
    assert all(f'nonce="{nonce}"' in attributes for attributes in inline)
    assert "https://" not in re.sub(r'href="https://[^"]*"', "", body.split("<body>")[0])


def test_pages_have_no_inline_style_or_script_without_a_nonce(client, gotham):
    for path in ("/", "/method/", "/jurisdictions/gotham-ny/"):
        body = client.get(path).content.decode()
        assert ' style="' not in body, path
        assert not re.search(r"<script(?![^>]*\bsrc=)", body), path
        assert not re.search(r"\son[a-z]+=\"", body), path


def test_redoc_loads_no_web_fonts_and_keeps_scripts_strict(client, gotham):
    response = client.get("/api/redoc/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "fonts.googleapis.com" not in body
    policy = directives(response)
    assert "'unsafe-inline'" not in policy["script-src"]
    assert any(s.startswith("'nonce-") for s in policy["script-src"])
