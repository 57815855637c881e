"""Helpers shared by the test modules (which never import each other): counting queries,
token clients, the API permission matrix, cache keys, a real Celery worker, and the usual
"exposed city" with money at risk."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from compliance.choices import ActionEffect
from compliance.models import RiskAssessment
from jurisdictions.choices import StanceCode
from jurisdictions.models import Jurisdiction
from tests.factories import (
    FederalActionFactory,
    GrantAwardFactory,
    GrantProgramFactory,
    JurisdictionFactory,
    PolicyStanceFactory,
)

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# Expected status of each unsafe method, by who asks: the same for every writable resource.
PERMISSION_MATRIX = [
    ("anonymous", {"post": 401, "patch": 401, "put": 401, "delete": 401}),
    ("analyst", {"post": 403, "patch": 403, "put": 403, "delete": 403}),
    ("editor", {"post": 201, "patch": 200, "put": 405, "delete": 204}),
    ("superuser", {"post": 201, "patch": 200, "put": 405, "delete": 204}),
]


def require_service(name: str, ok: bool, why: str) -> None:
    """Skip loudly when a service is missing locally; fail under CI=true."""
    if ok:
        return
    message = f"{name} is not available: {why}"
    if IN_CI:
        pytest.fail(f"CI=true and {message}")
    pytest.skip(f"SKIPPED LOUDLY — {message}")


# --- Queries ----------------------------------------------------------------------------------


@contextmanager
def queries() -> Iterator[CaptureQueriesContext]:
    """Record the SQL run inside the block: ``with queries() as run: ...``, then ``len(run)``
    (or ``run.captured_queries``) after it."""
    with CaptureQueriesContext(connection) as captured:
        yield captured


def count_queries(call: Callable[[], object]) -> int:
    """Run a callable and return how many SQL queries it made."""
    with queries() as run:
        call()
    return len(run)


# --- Clients and cache ------------------------------------------------------------------------


def token_client_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def clear_cache_keys(*patterns: str) -> None:
    """Drop the cache keys matching the patterns (only those: the broker shares Redis)."""
    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        cache.clear()
        return
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    for pattern in patterns:
        for key in client.scan_iter(match=cache.make_key(pattern), count=1000):
            client.delete(key)


def clear_queue_keys() -> None:
    """Drop the recompute coalescing keys."""
    clear_cache_keys("risk:*")


# --- A real Celery worker ---------------------------------------------------------------------


class Worker:
    """A real ``celery worker`` subprocess using the test database and the test Redis."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/celery"), "-A", "compliance", "worker", "-l", "info",
                "-P", "prefork", "-c", "1", "--without-gossip", "--without-mingle",
                "--without-heartbeat", "-n", f"pipeline-test-{os.getpid()}@%h",
                "--include", "tests.compliance.worker_hooks",
            ],
            cwd=ROOT, env=self.env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if "ready." in self.log.read_text(errors="replace"):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"Celery worker did not start:\n{self.log.read_text()[-3000:]}")

    def child_pids(self) -> list[int]:
        assert self.process is not None
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        return [int(p) for p in out.stdout.split()]

    def kill_children(self) -> None:
        for pid in self.child_pids():
            os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool), as a crashed host would."""
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def purge_broker() -> None:
    from compliance.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(app.conf.task_default_queue or "celery")


def process_env(settings_module: str, **extra: str) -> dict[str, str]:
    """The environment of a child process (worker or server) on the test database."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE=settings_module,
        RISK_TEST_DATABASE_NAME=connection.settings_dict["NAME"],
        DJANGO_DEBUG="true",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def worker_env(**extra: str) -> dict[str, str]:
    return process_env("tests.compliance.worker_settings", **extra)


def wait_for(check: Callable[[], object], timeout: float = 30.0, what: str = "") -> object:
    """Poll ``check`` until it returns something true, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"Timed out after {timeout}s waiting for {what or check}")


def settled(city: Jurisdiction) -> Callable[[], RiskAssessment | None]:
    """A check that is true once the city is fresh, its timeline current, and it has a history
    row."""

    def check() -> RiskAssessment | None:
        row = (
            Jurisdiction.objects.filter(pk=city.pk)
            .values_list("risk_stale", "timeline_stale_from")
            .first()
        )
        if row != (False, None):
            return None
        return RiskAssessment.objects.filter(jurisdiction=city).order_by("-computed_at").first()

    return check


# --- Data -------------------------------------------------------------------------------------


def exposed_city(*, fiscal_years: tuple[int, ...] = (2025,), **kwargs) -> Jurisdiction:
    """A sanctuary city with conditioned money (one Byrne JAG award of $2,000,000 for the first
    of ``fiscal_years``, $2,100,000 for each later one) and a withholding that names it: risk
    above zero."""
    city = JurisdictionFactory(**kwargs)
    program = GrantProgramFactory(aln="16.738", conditions_attach=True)
    for index, year in enumerate(fiscal_years):
        GrantAwardFactory(
            jurisdiction=city, program=program, fiscal_year=year,
            amount_usd=2_000_000 if index == 0 else 2_100_000,
            program_label=program.short_name if index == 0 else f"FY{year}",
        )  # fmt: skip
    PolicyStanceFactory(jurisdiction=city, code=StanceCode.SANCTUARY)
    FederalActionFactory(
        targets=[city], programs=[program], effect=ActionEffect.WITHHOLDING,
        issued_on=dt.date(2025, 2, 1),
    )  # fmt: skip
    return Jurisdiction.objects.get(pk=city.pk)


# --- Alerts: a webhook receiver and an SMTP server on loopback --------------------------------


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 recording every POST (headers and raw body). It answers
    each request with the next code of ``codes`` (then 200 for ever)."""

    def __init__(self, codes: tuple[int, ...] = ()) -> None:
        import http.server
        import threading

        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.codes = list(codes)
        self._lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    receiver.requests.append((dict(self.headers.items()), body))
                    code = receiver.codes.pop(0) if receiver.codes else 200
                self.send_response(code)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
