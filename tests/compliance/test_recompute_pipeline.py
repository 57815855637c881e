"""The recompute pipeline end to end: PostgreSQL, Redis and a real Celery worker subprocess.

Data must be committed for the worker to see it, hence ``transaction=True``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from unittest import mock

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone
from kombu import Connection

from compliance.celery import app
from compliance.choices import StatementPosition
from compliance.models import RiskAssessment, Statement
from compliance.selectors.figures import risk_assessment_compute
from compliance.services.recompute import risk_assessment_record, risk_fingerprint
from compliance.tasks import recompute_jurisdictions_task, sweep_stale_jurisdictions_task
from jurisdictions.models import Jurisdiction
from tests.factories import (
    StatementFactory,
)
from tests.helpers import exposed_city, settled, wait_for

pytestmark = [
    pytest.mark.pipeline,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgres", "redis_url"),
]


def _exposed_city() -> Jurisdiction:
    """The usual exposed city, with awards for this fiscal year and the next."""
    year = timezone.localdate().year
    return exposed_city(fiscal_years=(year, year + 1))


def assert_matches_a_fresh_computation(city: Jurisdiction) -> None:
    latest = RiskAssessment.objects.filter(jurisdiction=city).order_by("-computed_at", "-id")[0]
    expected = risk_assessment_compute(jurisdiction_id=city.pk, as_of=timezone.localdate())
    assert latest.fingerprint == risk_fingerprint(assessment=expected)
    city = Jurisdiction.objects.get(pk=city.pk)
    assert city.funding_at_risk_usd == expected.funding_at_risk_usd
    assert city.risk_score == expected.score


def test_orm_save_leads_to_a_new_assessment(worker) -> None:
    city = _exposed_city()
    wait_for(settled(city), what="the first assessment")
    before = RiskAssessment.objects.filter(jurisdiction=city).count()
    StatementFactory(jurisdiction=city, said_on=timezone.localdate(), position="defiant")
    wait_for(
        lambda: (
            RiskAssessment.objects.filter(jurisdiction=city).count() > before and settled(city)()
        ),
        what="an assessment after the statement",
    )
    assert_matches_a_fresh_computation(city)
    drivers = RiskAssessment.objects.filter(jurisdiction=city).latest().drivers
    statement = Statement.objects.get(jurisdiction=city)
    assert any(
        d["evidence_id"] == statement.pk for d in drivers if d["evidence_kind"] == "statement"
    )


def _admin_add_statement(client, city: Jurisdiction) -> int:
    response = client.post(
        "/admin/compliance/statement/add/",
        {
            "jurisdiction": city.pk, "speaker": "Mayor Example", "speaker_role": "mayor",
            "said_on": timezone.localdate().isoformat(), "date_precision": "day",
            "quote": "We will not comply.", "context": "", "position": StatementPosition.DEFIANT,
            "source_url": "https://example.org/statement",
        },
    )  # fmt: skip
    return response.status_code


def test_admin_save_leads_to_a_new_assessment(worker, client, superuser) -> None:
    city = _exposed_city()
    wait_for(settled(city), what="the first assessment")
    before = RiskAssessment.objects.filter(jurisdiction=city).count()
    client.force_login(superuser)
    assert _admin_add_statement(client, city) == 302
    wait_for(
        lambda: (
            RiskAssessment.objects.filter(jurisdiction=city).count() > before and settled(city)()
        ),
        what="an assessment after the admin save",
    )
    assert_matches_a_fresh_computation(city)


class BrokerOutage:
    """Points the publishing app at a closed port; the worker keeps the real broker."""

    def __init__(self) -> None:
        self.patch = mock.patch.object(app, "connection_for_write", side_effect=self.unreachable)

    @staticmethod
    def unreachable(*args: object, **kwargs: object) -> Connection:
        return Connection("redis://127.0.0.1:9/0", connect_timeout=1)

    def start(self) -> None:
        self.patch.start()
        app.amqp._producer_pool = None

    def stop(self) -> None:
        self.patch.stop()
        app.amqp._producer_pool = None


@pytest.fixture
def broker_outage():
    outage = BrokerOutage()
    outage.start()
    yield outage
    with contextlib.suppress(RuntimeError):  # already stopped by the test
        outage.stop()


def test_broker_down_at_save_time_then_the_sweep_recovers(
    start_worker, client, superuser, broker_outage, caplog
) -> None:
    city = _exposed_city()  # saved while the broker is down: stays stale
    client.force_login(superuser)
    started = time.monotonic()
    assert _admin_add_statement(client, city) == 302
    assert time.monotonic() - started < 10, "a broker outage must not hang the request"
    assert "stay stale" in caplog.text
    assert Jurisdiction.objects.get(pk=city.pk).risk_stale is True
    assert not RiskAssessment.objects.filter(jurisdiction=city).exists()

    # The broker is back: only the sweep knows about the city now.
    broker_outage.stop()
    start_worker(RISK_SWEEP_GRACE_SECONDS="0")
    time.sleep(1.5)
    assert Jurisdiction.objects.get(pk=city.pk).risk_stale is True
    sweep_stale_jurisdictions_task.delay()
    wait_for(settled(city), what="the sweep's recompute")
    assert_matches_a_fresh_computation(city)


def test_worker_killed_mid_recompute_is_redelivered(start_worker) -> None:
    slow = start_worker(RISK_TEST_SLEEP_SECONDS="4", CELERY_VISIBILITY_TIMEOUT="6")
    city = _exposed_city()
    wait_for(
        lambda: "Recompute paused" in slow.log.read_text(errors="replace"),
        what="the recompute to start",
    )
    slow.kill()
    assert not RiskAssessment.objects.filter(jurisdiction=city).exists()
    assert Jurisdiction.objects.get(pk=city.pk).risk_stale is True
    start_worker(CELERY_VISIBILITY_TIMEOUT="6")
    wait_for(settled(city), timeout=90, what="the redelivered recompute")
    assert RiskAssessment.objects.filter(jurisdiction=city).count() == 1
    assert_matches_a_fresh_computation(city)


def test_a_burst_of_1000_statements_costs_a_handful_of_recomputes(worker, settings) -> None:
    settings.RISK_COALESCE_SECONDS = 2
    city = _exposed_city()
    wait_for(settled(city), what="the first assessment")
    original = recompute_jurisdictions_task.apply_async
    started = time.monotonic()
    with mock.patch.object(
        recompute_jurisdictions_task, "apply_async", side_effect=original
    ) as publish:
        for index in range(1_000):
            StatementFactory(
                jurisdiction=city, said_on=timezone.localdate() - dt.timedelta(days=index % 300),
                position=("defiant", "conciliatory", "neutral", "supportive")[index % 4],
            )  # fmt: skip
    elapsed = time.monotonic() - started
    print(f"1,000 statements in {elapsed:.1f}s -> {publish.call_count} recompute jobs")
    # One job at once, then at most one per coalescing window while the burst lasts.
    assert 1 <= publish.call_count <= elapsed / settings.RISK_COALESCE_SECONDS + 2
    assert publish.call_count <= 20
    wait_for(settled(city), timeout=60, what="the last recompute")
    assert_matches_a_fresh_computation(city)


def test_same_job_twice_through_the_worker_leaves_one_row(worker) -> None:
    city = _exposed_city()
    wait_for(settled(city), what="the first assessment")
    time.sleep(2)  # let any follow-up of the setup saves finish
    before = list(RiskAssessment.objects.filter(jurisdiction=city).values_list("pk", flat=True))
    recompute_jurisdictions_task.apply_async(args=[[city.pk]])
    recompute_jurisdictions_task.apply_async(args=[[city.pk]])
    time.sleep(3)
    wait_for(settled(city), what="both jobs")
    after = list(RiskAssessment.objects.filter(jurisdiction=city).values_list("pk", flat=True))
    assert after == before, "an unchanged result writes no history row"
    assert_matches_a_fresh_computation(city)


def test_concurrent_records_leave_one_row() -> None:
    city = _exposed_city()
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            risk_assessment_record(jurisdiction_id=city.pk)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert RiskAssessment.objects.filter(jurisdiction=city).count() == 1
    assert Jurisdiction.objects.get(pk=city.pk).risk_stale is False
    assert_matches_a_fresh_computation(city)
