"""A Redis outage (cache and broker) while the API serves: reads, writes and pages go on.

The server runs against a Redis of the test's own. While it is up, requests use it (throttle
counters, the queued recompute). Once it is killed, reads answer 200, an editor's write
answers 201 with its row saved and its jurisdiction left stale for the sweep, and the
dashboard answers 200, each within about a second.
"""

from __future__ import annotations

import datetime as dt
import signal
from collections.abc import Iterator

import pytest

from compliance.models import Statement
from jurisdictions.models import Jurisdiction
from tests.faults.conftest import LATENCY_BUDGET, Server
from tests.faults.services import OwnRedis
from tests.helpers import exposed_city, purge_broker

pytestmark = pytest.mark.django_db(transaction=True)

SLUG = "gotham-ny"
# A write with Redis hung waits for the cache's and the broker's read timeouts (0.5 s and 2 s,
# with the publish retries): seconds, never the client's patience.
HUNG_WRITE_BUDGET = 12.0


@pytest.fixture
def city() -> Iterator[Jurisdiction]:
    """A city with money at risk, fresh: nothing waits for a recompute."""
    city = exposed_city(slug=SLUG, name="Gotham", state="NY")
    Jurisdiction.objects.filter(pk=city.pk).update(risk_stale=False, risk_stale_since=None)
    yield city
    purge_broker()  # the factories queued recomputes on the suite's broker; no worker runs them


def _post_statement(server: Server, token: str, quote: str):
    payload = {
        "jurisdiction": SLUG,
        "speaker": "Jane Mayor",
        "speaker_role": "Mayor",
        "said_on": "2025-03-01",
        "quote": quote,
        "context": "Press conference at city hall.",
        "position": "defiant",
        "source_url": "https://example.org/press/1",
    }
    return server.request(
        "POST", "/api/v1/statements/", json=payload,
        headers={"Authorization": f"Token {token}"},
    )  # fmt: skip


def _stale(city: Jurisdiction) -> bool:
    return bool(Jurisdiction.objects.filter(pk=city.pk).values_list("risk_stale", flat=True)[0])


def test_reads_writes_and_pages_go_on_when_redis_stops(
    start_server, own_redis: OwnRedis, city: Jurisdiction, editor_token: str
) -> None:
    server = start_server(REDIS_URL=own_redis.url)
    as_of = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    paths = {
        "list": "/api/v1/jurisdictions/",
        "detail": f"/api/v1/jurisdictions/{SLUG}/",
        "statements": "/api/v1/statements/",
        "index": "/",
        "page": f"/jurisdictions/{SLUG}/",
        "computed page": f"/jurisdictions/{SLUG}/?as_of={as_of}",
    }

    # Redis up: the server counts requests and queues the recompute there.
    for name, path in paths.items():
        assert server.request("GET", path).status == 200, name
    posted = _post_statement(server, editor_token, "Said while Redis was up.")
    assert posted.status == 201, posted.body
    assert own_redis.client.keys("*throttle_*"), "the throttles did not count in this Redis"
    assert own_redis.client.llen("celery") >= 1, "the recompute was not queued in this Redis"
    assert _stale(city)
    Jurisdiction.objects.filter(pk=city.pk).update(risk_stale=False, risk_stale_since=None)

    own_redis.kill()

    latencies: dict[str, float] = {}
    for name, path in paths.items():
        answer = server.request("GET", path)
        latencies[name] = answer.seconds
        assert answer.status == 200, (name, answer.status, answer.body[:300])
    quote = "Said while Redis was down."
    posted = _post_statement(server, editor_token, quote)
    latencies["POST statement"] = posted.seconds
    assert posted.status == 201, posted.body
    assert Statement.objects.filter(quote=quote, jurisdiction=city).exists()
    assert _stale(city), "the jurisdiction must stay stale, for the sweep"
    print("Redis down: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in latencies.items()))
    slow = {name: seconds for name, seconds in latencies.items() if seconds > LATENCY_BUDGET}
    assert not slow, slow
    log = server.log_text()
    assert "Rate limit not applied" in log
    assert "Could not queue the recompute" in log


def test_a_hung_redis_costs_reads_one_short_timeout_and_never_hangs_a_write(
    start_server, own_redis: OwnRedis, city: Jurisdiction, editor_token: str
) -> None:
    """Redis paused (SIGSTOP): connections open but nothing answers. Reads wait only for the
    cache's read timeout; a write waits for the broker's timeouts and still answers 201."""
    server = start_server(REDIS_URL=own_redis.url)
    paths = {"list": "/api/v1/jurisdictions/", "detail": f"/api/v1/jurisdictions/{SLUG}/"}
    for name, path in paths.items():
        assert server.request("GET", path).status == 200, name
    assert _post_statement(server, editor_token, "Said while Redis answered.").status == 201
    Jurisdiction.objects.filter(pk=city.pk).update(risk_stale=False, risk_stale_since=None)

    own_redis.process.send_signal(signal.SIGSTOP)
    latencies: dict[str, float] = {}
    try:
        for name, path in paths.items():
            answer = server.request("GET", path)
            latencies[name] = answer.seconds
            assert answer.status == 200, (name, answer.status, answer.body[:300])
        quote = "Said while Redis hung."
        posted = _post_statement(server, editor_token, quote)
        latencies["POST statement"] = posted.seconds
    finally:
        own_redis.process.send_signal(signal.SIGCONT)
    assert posted.status == 201, posted.body
    assert Statement.objects.filter(quote=quote, jurisdiction=city).exists()
    assert _stale(city)
    print("Redis hung: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in latencies.items()))
    assert latencies["list"] <= LATENCY_BUDGET, latencies
    assert latencies["detail"] <= LATENCY_BUDGET, latencies
    assert latencies["POST statement"] <= HUNG_WRITE_BUDGET, latencies
