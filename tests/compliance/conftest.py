"""Fixtures of the recompute pipeline tests: queue keys, a mocked publisher, a real worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def clear_queue_keys() -> None:
    """Drop the recompute coalescing keys (only those: the broker shares the Redis db)."""
    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        cache.clear()
        return
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    pattern = cache.make_key("risk:*")
    for key in client.scan_iter(match=pattern, count=1000):
        client.delete(key)


@pytest.fixture(autouse=True)
def _fresh_queue_keys() -> Iterator[None]:
    clear_queue_keys()
    yield
    clear_queue_keys()


@pytest.fixture
def queued() -> Iterator[list[list[int]]]:
    """Replace the publisher: each queued job's id list is appended here instead."""
    jobs: list[list[int]] = []

    def publish(*, args: list, countdown: float | None = None, **kwargs: object) -> None:
        jobs.append(list(args[0]))

    with mock.patch(
        "compliance.tasks.recompute_jurisdictions_task.apply_async", side_effect=publish
    ):
        yield jobs


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


def worker_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.compliance.worker_settings",
        RISK_TEST_DATABASE_NAME=connection.settings_dict["NAME"],
        DJANGO_DEBUG="true",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


@pytest.fixture
def start_worker(redis_url: str, tmp_path: Path) -> Iterator:
    """A factory starting real workers; each is stopped at the end of the test."""
    workers: list[Worker] = []
    purge_broker()

    def start(**extra_env: str) -> Worker:
        worker = Worker(worker_env(**extra_env), tmp_path / f"worker{len(workers)}.log")
        workers.append(worker)
        worker.start()
        return worker

    yield start
    for worker in workers:
        worker.stop()
    purge_broker()
    print("\n".join(w.log.read_text(errors="replace")[-4000:] for w in workers), file=sys.stderr)


@pytest.fixture
def worker(start_worker):
    """One running worker."""
    return start_worker()
