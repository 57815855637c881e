"""A PostgreSQL outage while the site serves: every page and API call answers 503 with
``Retry-After`` within a second (JSON on the API), and 200 again once the database is back.

The server reaches the test database through a TCP proxy of the test's own; stopping the
proxy (its listening socket and every connection through it) is the outage.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import OperationalError

from compliance.core.exceptions import api_aware_server_error
from jurisdictions.models import Jurisdiction
from tests.faults.conftest import LATENCY_BUDGET
from tests.faults.services import TcpProxy
from tests.helpers import exposed_city, purge_broker

pytestmark = pytest.mark.django_db(transaction=True)

SLUG = "gotham-ny"


@pytest.fixture
def city() -> Iterator[Jurisdiction]:
    city = exposed_city(slug=SLUG, name="Gotham", state="NY")
    yield city
    purge_broker()  # the factories queued recomputes that no worker here will run


def test_every_page_and_api_call_answers_503_while_the_database_is_down(
    start_server, proxy: TcpProxy, city: Jurisdiction
) -> None:
    server = start_server(FAULTS_DATABASE_PORT=str(proxy.port))
    paths = {
        "national page": "/",
        "jurisdiction page": f"/jurisdictions/{SLUG}/",
        "API list": "/api/v1/jurisdictions/",
        "API detail": f"/api/v1/jurisdictions/{SLUG}/",
    }
    for name, path in paths.items():
        assert server.request("GET", path).status == 200, name

    proxy.stop()
    latencies: dict[str, float] = {}
    for name, path in paths.items():
        answer = server.request("GET", path)
        latencies[name] = answer.seconds
        assert answer.status == 503, (name, answer.status, answer.body[:300])
        assert int(answer.headers["Retry-After"]) >= 1, name
        if path.startswith("/api/"):
            assert answer.headers["Content-Type"].startswith("application/json"), name
            body = answer.json()
            assert isinstance(body, dict)
            assert list(body) == ["detail"], body
        else:
            assert answer.headers["Content-Type"].startswith("text/html"), name
            assert b"Temporarily unavailable" in answer.body, name
    print("Database down: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in latencies.items()))
    slow = {name: seconds for name, seconds in latencies.items() if seconds > LATENCY_BUDGET}
    assert not slow, slow
    assert server.log_text().count("Database unavailable") >= len(paths)

    proxy.start()
    for name, path in paths.items():
        answer = server.request("GET", path)
        assert answer.status == 200, (name, answer.status, answer.body[:300])


@pytest.mark.parametrize(
    ("path", "content_type"), [("/api/v1/jurisdictions/", "application/json"), ("/", "text/html")]
)
def test_a_database_error_outside_a_view_answers_503_too(rf, path: str, content_type: str) -> None:
    """A middleware that meets the outage (a session read, say) reaches the 500 handler, which
    answers 503 as the views do (with DEBUG off; the debug page shows the error instead)."""
    try:
        raise OperationalError("connection failed: Connection refused")
    except OperationalError:
        response = api_aware_server_error(rf.get(path))
    assert response.status_code == 503
    assert int(response["Retry-After"]) >= 1
    assert response["Content-Type"].startswith(content_type)
