"""Alerts at scale (figures in docs/performance.md and the README):

- the events a recompute writes when it changes 1,000 jurisdictions with 10,000 subscriptions
  in place (the extra work inside its transaction: one INSERT ... SELECT for the events and
  their deliveries), target <= 1 s;
- the outbox draining to a webhook receiver on 127.0.0.1, target >= 200 webhooks a second.

``make test`` runs both at a tenth of the size and checks the counts; the targets are checked
by ``pytest tests/benchmarks/test_alerts_benchmark.py -m benchmark_timed -s``.
"""

from __future__ import annotations

import os
import time

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from compliance.models import AlertDelivery, AlertEvent, Subscription
from compliance.services.alerts import FiguresChange, figures_events_write
from compliance.services.delivery import alerts_dispatch
from jurisdictions.models import Jurisdiction
from tests.factories import JurisdictionFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("postgres")]


def _setup(jurisdictions: int, per_jurisdiction: int, ranking: int) -> list[FiguresChange]:
    """Jurisdictions computed once, ``per_jurisdiction`` jurisdiction subscriptions on each
    (thresholds that a doubling passes; email and webhook), ``ranking`` subscriptions to
    ``severe``; and the changes of a recompute that doubles every figure and moves a tenth of
    the jurisdictions from low to severe."""
    template = JurisdictionFactory.build()
    earlier = timezone.now() - timezone.timedelta(days=1)
    rows = [
        Jurisdiction(
            name=f"Bench {n}",
            slug=f"bench-{n}",
            kind=template.kind,
            state="CA",
            fips=f"{8000000 + n:07d}",
            ocd_id=f"ocd-division/country:us/bench:{n}",
            population=1000,
            source_url="https://example.org/j",
            funding_at_risk_usd=1000,
            exposure_usd=10_000,
            max_at_risk_usd=10_000,
            risk_level="low",
            risk_computed_at=earlier,
        )
        for n in range(jurisdictions)
    ]
    Jurisdiction.objects.bulk_create(rows, batch_size=2000)
    users = [UserFactory() for _ in range(20)]
    subs = []
    for index, j in enumerate(rows):
        for k in range(per_jurisdiction):
            subs.append(Subscription(
                user=users[(index + k) % len(users)], kind="jurisdiction", jurisdiction=j,
                threshold_usd=500 if k % 3 == 1 else None,
                threshold_percent=50 if k % 3 == 2 else None,
                email="immediate" if k % 2 else "daily", webhook_url="https://hooks.example.org/x",
            ))  # fmt: skip
    for k in range(ranking):
        subs.append(Subscription(user=users[k % len(users)], kind="ranking", level="severe"))
    Subscription.objects.bulk_create(subs, batch_size=5000)
    with connection.cursor() as cursor:  # statistics, as a live database has them
        cursor.execute("ANALYZE compliance_subscription")
        cursor.execute("ANALYZE jurisdictions_jurisdiction")
    return [
        FiguresChange(
            j.pk,
            1000,
            2000,
            "low",
            "severe" if n % 10 == 0 else "low",
            "sanctuary",
            "sanctuary",
            earlier,
        )
        for n, j in enumerate(rows)
    ]


def _events_write(changes: list[FiguresChange]) -> tuple[float, int, int]:
    with transaction.atomic():
        started = time.perf_counter()
        figures_events_write(changes=changes, at=timezone.now())
        seconds = time.perf_counter() - started
    return seconds, AlertEvent.objects.count(), AlertDelivery.objects.count()


def _check_events(jurisdictions: int, per_jurisdiction: int, ranking: int) -> float:
    changes = _setup(jurisdictions, per_jurisdiction, ranking)
    seconds, events, deliveries = _events_write(changes)
    moved = jurisdictions // 10
    expected = jurisdictions * per_jurisdiction + moved * ranking
    assert events == expected
    # Jurisdiction subscriptions: email and webhook each; ranking ones: email only.
    assert deliveries == jurisdictions * per_jurisdiction * 2 + moved * ranking
    return seconds


def test_events_of_a_recompute_small() -> None:
    _check_events(100, 10, 2)


@pytest.mark.benchmark_timed
def test_events_of_a_recompute_changing_1000_jurisdictions_with_10000_subscriptions() -> None:
    seconds = _check_events(1000, 10, 10)  # 10,010 subscriptions, 11,000 events
    print(f"\nevents for 1,000 changed jurisdictions, 10,010 subscriptions: {seconds:.3f} s")
    assert seconds <= 1.0


def _pending_webhooks(count: int, url: str) -> None:
    user = UserFactory()
    sub = Subscription.objects.create(user=user, kind="ranking", level="severe", email="off",
                                      webhook_url=url)  # fmt: skip
    now = timezone.now()
    events = AlertEvent.objects.bulk_create(
        [AlertEvent(subscription=sub, kind="test", payload={"n": n}, created_at=now)
         for n in range(count)]
    )  # fmt: skip
    AlertDelivery.objects.bulk_create(
        [AlertDelivery(event=e, subscription=sub, channel="webhook", next_attempt_at=now,
                       created_at=now) for e in events]
    )  # fmt: skip


# A receiver in its own process (as a real one would be): it answers 200 to every POST and
# tells how many it got on GET.
_RECEIVER = """
import http.server, sys, threading
count = 0
lock = threading.Lock()
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        global count
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with lock:
            count += 1
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def do_GET(self):
        body = str(count).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def _drain(count: int) -> float:
    import subprocess
    import sys
    import urllib.request

    receiver = subprocess.Popen([sys.executable, "-c", _RECEIVER], stdout=subprocess.PIPE,
                                text=True)  # fmt: skip
    try:
        port = int(receiver.stdout.readline())  # type: ignore[union-attr]
        with override_settings(ALERTS_MAX_DELIVERIES_PER_DAY=10 * count):
            _pending_webhooks(count, f"http://127.0.0.1:{port}/hook")
            started = time.perf_counter()
            if os.environ.get("ALERTS_BENCH_PROFILE"):
                import cProfile

                with cProfile.Profile() as profile:
                    summary = alerts_dispatch()
                profile.print_stats("cumulative")
            else:
                summary = alerts_dispatch()
            seconds = time.perf_counter() - started
        received = int(urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read())
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)
    assert summary.sent == count
    assert received == count
    assert not AlertDelivery.objects.filter(status="pending").exists()
    return count / seconds


def test_webhooks_drain_small() -> None:
    _drain(200)


@pytest.mark.benchmark_timed
def test_webhooks_drain_at_200_a_second_or_more() -> None:
    rate = _drain(2000)
    print(f"\nwebhooks drained to a local receiver: {rate:.0f} a second")
    assert rate >= 200
