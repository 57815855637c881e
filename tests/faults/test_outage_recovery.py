"""After a broker outage or a database outage, every stale jurisdiction is fresh within one
sweep interval of the service coming back (real worker, PostgreSQL, a Redis of the test's own).

Broker: a write accepted while Redis is down leaves its jurisdiction stale with nothing
queued; once Redis is back, the worker reconnects and the next sweep recomputes it.
Database: a recompute that cannot reach PostgreSQL is retried with backoff (no jitter, capped
at two minutes, twenty tries), so a short outage exhausts no job and no sweep is needed.
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from compliance.celery import app
from compliance.models import RiskAssessment
from compliance.tasks import sweep_stale_jurisdictions_task
from jurisdictions.models import Jurisdiction
from tests.factories import StatementFactory
from tests.faults.conftest import Server
from tests.faults.services import OwnRedis, TcpProxy
from tests.helpers import exposed_city, settled, wait_for

pytestmark = [
    pytest.mark.pipeline,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgres", "redis_url"),
]

SWEEP_INTERVAL_SECONDS = settings.CELERY_BEAT_SCHEDULE["sweep-stale-jurisdictions"][
    "schedule"
].total_seconds()
OUTAGE_SECONDS = 10


def _stale(city: Jurisdiction) -> bool:
    return bool(Jurisdiction.objects.filter(pk=city.pk).values_list("risk_stale", flat=True)[0])


def _post_statement(server: Server, token: str, slug: str) -> int:
    payload = {
        "jurisdiction": slug, "speaker": "Jane Mayor", "speaker_role": "Mayor",
        "said_on": "2025-03-01", "quote": "We will not comply.", "position": "defiant",
        "context": "Press conference.", "source_url": "https://example.org/press/2",
    }  # fmt: skip
    answer = server.request(
        "POST", "/api/v1/statements/", json=payload, headers={"Authorization": f"Token {token}"}
    )
    assert answer.status == 201, answer.body[:300]
    return answer.status


def test_a_write_during_a_broker_outage_is_fresh_one_sweep_after_the_broker_is_back(
    start_server, start_worker, own_redis: OwnRedis, editor_token: str
) -> None:
    city = exposed_city(slug="gotham-ny", name="Gotham", state="NY")
    services = {"REDIS_URL": own_redis.url, "CELERY_BROKER_URL": own_redis.url}
    worker = start_worker(RISK_SWEEP_GRACE_SECONDS="1", **services)
    server = start_server(**services)
    Jurisdiction.objects.filter(pk=city.pk).update(risk_stale=False, risk_stale_since=None)

    own_redis.kill()
    _post_statement(server, editor_token, city.slug)
    assert _stale(city), "nothing could be queued: the jurisdiction must wait, stale"
    time.sleep(OUTAGE_SECONDS)

    own_redis.start()  # empty, as after a restart without persistence
    back = time.monotonic()
    wait_for(
        lambda: worker.log.read_text(errors="replace").count("Connected to redis://") >= 2,
        timeout=60,
        what="the worker to reconnect to the broker",
    )
    reconnected = time.monotonic() - back
    # The sweep beat would send, published on the restarted broker.
    with app.connection_for_write(own_redis.url) as connection, connection.Producer() as producer:
        sweep_stale_jurisdictions_task.apply_async(producer=producer)
    assessment = wait_for(settled(city), timeout=60, what="the jurisdiction after one sweep")
    elapsed = time.monotonic() - back
    print(
        f"\nbroker down {OUTAGE_SECONDS} s: worker reconnected {reconnected:.1f} s after it "
        f"came back, jurisdiction fresh {elapsed:.1f} s after it came back (one sweep)"
    )
    assert elapsed < SWEEP_INTERVAL_SECONDS
    assert assessment.drivers, assessment
    assert not Jurisdiction.objects.get(pk=city.pk).risk_failures


def test_a_recompute_during_a_database_outage_is_retried_and_lands_after_it(
    start_worker, proxy: TcpProxy
) -> None:
    worker = start_worker(FAULTS_DATABASE_PORT=str(proxy.port), DATABASE_CONNECT_TIMEOUT="1")
    city = exposed_city(slug="gotham-ny", name="Gotham", state="NY")
    wait_for(settled(city), timeout=60, what="the first recompute through the proxy")
    before = RiskAssessment.objects.filter(jurisdiction=city).count()

    proxy.stop()
    StatementFactory.create(jurisdiction=city)  # committed here; the worker cannot read it
    wait_for(
        lambda: "Retry in" in worker.log.read_text(errors="replace"),
        timeout=30,
        what="the recompute to fail and be retried",
    )
    assert _stale(city)
    time.sleep(OUTAGE_SECONDS)

    proxy.start()
    back = time.monotonic()
    wait_for(
        lambda: (
            RiskAssessment.objects.filter(jurisdiction=city).count() > before and settled(city)()
        ),
        timeout=SWEEP_INTERVAL_SECONDS,
        what="the retried recompute after the outage",
    )
    elapsed = time.monotonic() - back
    log = worker.log.read_text(errors="replace")
    retries = log.count("Retry in")
    print(
        f"\ndatabase down {OUTAGE_SECONDS} s: {retries} retries, jurisdiction fresh "
        f"{elapsed:.1f} s after the database came back, no sweep"
    )
    assert elapsed < SWEEP_INTERVAL_SECONDS
    assert "max retries" not in log.lower()
    assert not Jurisdiction.objects.get(pk=city.pk).risk_failures
