"""Access: throttles in Redis, tokens, CORS, conditional GET and JSON errors everywhere."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.settings import api_settings

from tests.factories import JurisdictionFactory, StatementFactory, UserFactory
from tests.helpers import token_client_for

pytestmark = pytest.mark.django_db


def rates(anon: str, user: str):
    return override_settings(
        REST_FRAMEWORK={
            **api_settings.user_settings,
            "DEFAULT_THROTTLE_RATES": {"anon": anon, "user": user},
        }
    )


def test_anonymous_clients_are_throttled_with_retry_after(api_client, redis_url):
    with rates("3/minute", "100/minute"):
        codes = [api_client.get("/api/v1/jurisdictions/").status_code for _ in range(4)]
        response = api_client.get("/api/v1/jurisdictions/")
    assert codes == [200, 200, 200, 429]
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "throttled" in response.json()["detail"].lower()


def test_the_throttle_counts_in_the_shared_cache(api_client, redis_url):
    from django.core.cache import cache

    with rates("2/minute", "100/minute"):
        api_client.get("/api/v1/officials/")
        keys = [key for key in cache._cache.get_client().keys("*") if b"throttle_anon" in key]
    assert keys, "the anonymous throttle wrote no key to Redis"


def test_anonymous_clients_count_only_against_the_anonymous_rate(api_client):
    with rates("5/minute", "2/minute"):
        codes = [api_client.get("/api/v1/officials/").status_code for _ in range(5)]
    assert codes == [200] * 5


def test_token_users_get_their_own_higher_rate(api_client, analyst_user):
    client = token_client_for(analyst_user)
    with rates("1/minute", "5/minute"):
        assert api_client.get("/api/v1/officials/").status_code == 200
        assert api_client.get("/api/v1/officials/").status_code == 429
        assert [client.get("/api/v1/officials/").status_code for _ in range(5)] == [200] * 5
        assert client.get("/api/v1/officials/").status_code == 429


def test_create_api_token_prints_a_new_token_and_revokes_the_old(analyst_user):
    out = io.StringIO()
    call_command("create_api_token", "analyst", stdout=out)
    first = out.getvalue().strip()
    assert Token.objects.get(user=analyst_user).key == first
    out = io.StringIO()
    call_command("create_api_token", "analyst", stdout=out)
    second = out.getvalue().strip()
    assert second != first
    assert list(Token.objects.filter(user=analyst_user).values_list("key", flat=True)) == [second]
    call_command("create_api_token", "analyst", "--revoke", stderr=io.StringIO())
    assert not Token.objects.filter(user=analyst_user).exists()
    with pytest.raises(CommandError, match="No user"):
        call_command("create_api_token", "nobody")


def test_a_revoked_or_bad_token_is_refused(api_client, editor_user):
    call_command("create_api_token", "editor", stdout=io.StringIO())
    key = Token.objects.get(user=editor_user).key
    call_command("create_api_token", "editor", "--revoke", stderr=io.StringIO())
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api_client.get("/api/v1/statements/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_inactive_users_get_no_token():
    UserFactory(username="gone", is_active=False)
    with pytest.raises(CommandError, match="inactive"):
        call_command("create_api_token", "gone", stdout=io.StringIO())


def test_cors_is_open_for_reads(api_client):
    response = api_client.get("/api/v1/jurisdictions/", HTTP_ORIGIN="https://newsroom.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    preflight = api_client.options(
        "/api/v1/statements/",
        HTTP_ORIGIN="https://newsroom.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )
    assert "POST" not in preflight.get("Access-Control-Allow-Methods", "")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/jurisdictions/",
        "/api/v1/jurisdictions/gotham-ny/",
        "/api/v1/statements/",
        "/api/v1/federal-actions/",
        "/api/v1/officials/",
        "/api/v1/grant-programs/",
        "/api/v1/grant-awards/",
    ],
)
def test_conditional_get_answers_304_until_the_data_changes(api_client, url):
    city = JurisdictionFactory(slug="gotham-ny")
    first = api_client.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    again = api_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    type(city).objects.filter(pk=city.pk).update(name="Gotham City", funding_at_risk_usd=0)
    StatementFactory(jurisdiction=city)
    from tests.factories import FederalActionFactory, GrantAwardFactory, OfficialFactory

    FederalActionFactory(targets=[city])
    OfficialFactory(jurisdiction=city)
    GrantAwardFactory(jurisdiction=city)
    changed = api_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/nothing-here/",
        "/api/v1/statements/not-a-number/",
        "/api/v1/statements/99999999999999999999999/",
        "/api/v1/jurisdictions/?page=999",
    ],
)
def test_not_found_is_json(api_client, url):
    response = api_client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def test_docs_and_schema_are_served_from_local_files(api_client):
    schema = api_client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/jurisdictions/", "/api/v1/jurisdictions/{slug}/",
        "/api/v1/jurisdictions/{slug}/risk-history/", "/api/v1/officials/",
        "/api/v1/statements/", "/api/v1/statements/{id}/", "/api/v1/federal-actions/",
        "/api/v1/federal-actions/{id}/", "/api/v1/grant-programs/", "/api/v1/grant-awards/",
    ):  # fmt: skip
        assert path in paths
    names = {p["name"] for p in paths["/api/v1/jurisdictions/"]["get"]["parameters"]}
    assert {"kind", "state", "stance", "risk_level", "min_funding_at_risk", "q", "ordering",
            "facets", "updated_since", "page", "page_size", "format"} <= names  # fmt: skip
    docs = api_client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()
    assert "//unpkg" not in html
    assert "jsdelivr" not in html


@pytest.mark.django_db(transaction=True)
def test_parallel_clients_cannot_outrun_the_limit(live_server, redis_url):
    """Sixteen clients at once: the count is atomic, so no more than the rate get through."""
    import threading
    import urllib.error
    import urllib.request

    codes: list[int] = []
    lock = threading.Lock()

    def client() -> None:
        for _ in range(8):
            try:
                with urllib.request.urlopen(f"{live_server.url}/api/v1/officials/") as response:
                    code = response.status
            except urllib.error.HTTPError as error:
                code = error.code
            with lock:
                codes.append(code)

    with rates("20/minute", "100/minute"):
        threads = [threading.Thread(target=client) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert len(codes) == 128
    assert codes.count(200) == 20, codes.count(200)
    assert codes.count(429) == 108


def test_an_export_of_every_row_costs_more_than_a_page(api_client, redis_url):
    JurisdictionFactory()
    with rates("40/minute", "100/minute"):
        export = "/api/v1/jurisdictions/?format=csv&page_size=all"
        assert api_client.get(export).status_code == 200
        assert api_client.get(export).status_code == 429, "30 + 30 > 40"
        assert api_client.get("/api/v1/jurisdictions/").status_code == 200
