"""Whole-table CSV exports through the production server (gunicorn with deploy/gunicorn.conf.py)
complete or fail loudly, never a 200 cut short, while other requests stay fast.

The worker timeout is lowered far below an export's duration: a worker killed for silence
would cut the exports, so complete ones prove the workers keep beating while they stream.
"""

from __future__ import annotations

import csv
import http.client
import io
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from compliance.core import viewsets
from compliance.loaders.synthetic_parts import copy_rows
from grants.models import GrantAward
from tests.factories import GrantProgramFactory, JurisdictionFactory
from tests.helpers import ROOT, process_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres")]

ROWS = 30_000
EXPORTS = 5
WORKER_TIMEOUT_SECONDS = 2
THREADS = 8
EXPORT_PATH = "/api/v1/grant-awards/?format=csv&page_size=all"
PLAIN_PATHS = ("/api/v1/grant-programs/", "/api/v1/jurisdictions/?page_size=5")
PLAIN_GET_LIMIT_SECONDS = 1.0
REQUEST_TIMEOUT_SECONDS = 40


@dataclass
class Export:
    """What one export request got."""

    status: int = 0
    body: bytes = b""
    complete: bool = False
    error: str = ""
    seconds: float = 0.0


@dataclass
class Server:
    """A running gunicorn on 127.0.0.1."""

    port: int
    process: subprocess.Popen
    log: Path
    plain_latencies: list[float] = field(default_factory=list)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(port: int, path: str, timeout: float = REQUEST_TIMEOUT_SECONDS) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _export(port: int, started: threading.Event | None = None) -> Export:
    """One export, read to its end; ``complete`` only when the chunked body ended cleanly.
    ``started`` is set once the first 256 KB have arrived."""
    result = Export()
    begin = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_SECONDS)
    parts: list[bytes] = []
    try:
        conn.request("GET", EXPORT_PATH)
        response = conn.getresponse()
        result.status = response.status
        received = 0
        while chunk := response.read(64 * 1024):
            parts.append(chunk)
            received += len(chunk)
            if started is not None and received >= 256 * 1024:
                started.set()
        result.complete = True
    except http.client.IncompleteRead as exc:
        parts.append(exc.partial)
        result.error = f"IncompleteRead after {sum(map(len, parts))} bytes"
    except (http.client.HTTPException, OSError) as exc:
        result.error = f"{type(exc).__name__}: {exc}"[:200]
    finally:
        conn.close()
        result.body = b"".join(parts)
        result.seconds = time.monotonic() - begin
    return result


def _award_ids(body: bytes) -> list[int]:
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][0] == "id"
    return [int(row[0]) for row in rows[1:]]


@pytest.fixture
def awards() -> list[int]:
    """``ROWS`` committed grant awards, written with COPY; their ids in export order."""
    city = JurisdictionFactory.create()
    program = GrantProgramFactory.create()
    rows = (
        {
            "jurisdiction_id": city.pk, "program_id": program.pk,
            "program_label": f"award {index}", "fiscal_year": 2000 + index % 26,
            "amount_usd": 1_000 + index, "figure_kind": "award",
            "source_url": "https://example.org/award",
        }
        for index in range(ROWS)
    )  # fmt: skip
    copy_rows(GrantAward, rows, now=timezone.now())
    return list(GrantAward.objects.order_by("pk").values_list("pk", flat=True))


@pytest.fixture
def server(awards: list[int], tmp_path: Path) -> Iterator[Server]:
    """gunicorn with the production config, its worker timeout lowered, on the test database."""
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    env = process_env(
        "tests.server_settings",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        GUNICORN_THREADS=str(THREADS),
        GUNICORN_TIMEOUT=str(WORKER_TIMEOUT_SECONDS),
        GUNICORN_GRACEFUL_TIMEOUT="5",
        API_EXPORTS_PER_PROCESS=str(THREADS - 2),
        API_ANON_THROTTLE_RATE="100000/minute",
    )
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-c", str(ROOT / "deploy/gunicorn.conf.py")],
        cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    running = Server(port=port, process=process, log=log)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, f"gunicorn exited:\n{running.log_text()[-3000:]}"
            assert time.monotonic() < deadline, f"gunicorn not up:\n{running.log_text()[-3000:]}"
            try:
                if _get(port, PLAIN_PATHS[0], timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        yield running
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


def test_concurrent_exports_complete_while_plain_gets_stay_fast(
    server: Server, awards: list[int]
) -> None:
    done = threading.Event()

    def plain_gets() -> None:
        index = 0
        while not done.is_set() and len(server.plain_latencies) < 80:
            begin = time.monotonic()
            status, _ = _get(server.port, PLAIN_PATHS[index % len(PLAIN_PATHS)])
            server.plain_latencies.append(time.monotonic() - begin)
            assert status == 200
            index += 1
            done.wait(0.25)

    begin = time.monotonic()
    with ThreadPoolExecutor(max_workers=EXPORTS + 1) as pool:
        exports = [pool.submit(_export, server.port) for _ in range(EXPORTS)]
        time.sleep(0.5)
        getter = pool.submit(plain_gets)
        results = [future.result(timeout=REQUEST_TIMEOUT_SECONDS + 5) for future in exports]
        done.set()
        getter.result(timeout=10)
    wall = time.monotonic() - begin

    latencies = sorted(server.plain_latencies)
    print(
        f"\n{EXPORTS} concurrent exports of {len(awards)} rows (worker timeout "
        f"{WORKER_TIMEOUT_SECONDS} s, 2 workers x {THREADS} threads) in {wall:.1f} s: "
        + ", ".join(
            f"{r.status} {'complete' if r.complete else 'INCOMPLETE'} {r.seconds:.1f} s "
            f"{len(r.body) / 1e6:.1f} MB"
            for r in results
        )
        + f"\nplain GETs during the exports: {len(latencies)}, median "
        f"{latencies[len(latencies) // 2] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms"
    )
    for result in results:
        # Never a 200 cut short: a 200 body either ends cleanly with every row, or the
        # transfer is reported incomplete.
        if result.status == 200 and result.complete:
            ids = _award_ids(result.body)
            assert ids == awards, f"{len(ids)} of {len(awards)} rows"
    assert all(r.status == 200 and r.complete for r in results), [r.error for r in results]
    assert max(r.seconds for r in results) > 2 * WORKER_TIMEOUT_SECONDS
    assert "WORKER TIMEOUT" not in server.log_text()
    assert len(latencies) >= 5
    assert latencies[-1] < PLAIN_GET_LIMIT_SECONDS


def test_a_database_failure_mid_stream_leaves_the_transfer_incomplete(
    server: Server, awards: list[int]
) -> None:
    started = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(_export, server.port, started)
        assert started.wait(REQUEST_TIMEOUT_SECONDS), future.result().error
        killed = 0
        deadline = time.monotonic() + 20
        while not future.done() and time.monotonic() < deadline:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    " AND backend_type = 'client backend'"
                )
                killed += cursor.fetchone()[0]
            time.sleep(0.05)
        result = future.result(timeout=REQUEST_TIMEOUT_SECONDS)

    rows = result.body.count(b"\n") - 1
    assert "Error handling request" in server.log_text()
    print(
        f"\nexport with its database connection terminated mid-stream: status {result.status}, "
        f"{rows} of {len(awards)} rows, {result.error or 'complete'}"
    )
    assert killed >= 1
    assert result.status == 200
    assert not result.complete
    assert rows < len(awards)
    # The server lives on: the next requests are answered.
    assert _get(server.port, PLAIN_PATHS[0])[0] == 200


def test_an_export_past_the_process_slots_answers_503_and_slots_come_back(api_client) -> None:
    slots = threading.BoundedSemaphore(1)
    with mock.patch.object(viewsets, "_export_slots", slots):
        assert slots.acquire(blocking=False)
        busy = api_client.get(EXPORT_PATH)
        assert busy.status_code == 503
        assert busy["Retry-After"] == str(viewsets.EXPORT_RETRY_AFTER_SECONDS)
        assert busy.json()["detail"].startswith("Too many exports")
        slots.release()

        response = api_client.get(EXPORT_PATH)
        assert response.status_code == 200
        assert not slots.acquire(blocking=False)
        b"".join(response.streaming_content)
        response.close()
        assert slots.acquire(blocking=False)
