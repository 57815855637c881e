"""A real web server in a subprocess, for the fault tests: it runs the project's own code
against the services a test gives it (its own Redis, a proxy in front of PostgreSQL)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from django.db import connection
from rest_framework.authtoken.models import Token

from tests.faults.services import OwnRedis, TcpProxy, free_port
from tests.helpers import ROOT, process_env, require_service

STARTUP_SECONDS = 60
# Each request of a fault test must be answered within this many seconds.
LATENCY_BUDGET = 1.0


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    def json(self) -> object:
        import json

        return json.loads(self.body)


class Server:
    """``manage.py runserver`` on a free port with ``tests.faults.server_settings``."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable, str(ROOT / "manage.py"), "runserver", "--noreload",
                "--skip-checks", f"127.0.0.1:{self.port}",
            ],
            cwd=ROOT, env=self.env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"The server did not start:\n{self.log_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def request(self, method: str, path: str, **kwargs: Any) -> Answer:
        """One request, timed; the client gives up after 10 s (the test then fails)."""
        started = time.monotonic()
        response = requests.request(
            method, self.url + path, timeout=10, allow_redirects=False, **kwargs
        )
        seconds = time.monotonic() - started
        return Answer(response.status_code, dict(response.headers), response.content, seconds)


@pytest.fixture
def start_server(transactional_db, tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """A factory of servers on the test database; each is stopped at the end of the test,
    before the database is flushed."""
    servers: list[Server] = []

    def start(**extra_env: str) -> Server:
        env = process_env("tests.faults.server_settings", PYTHONUNBUFFERED="1", **extra_env)
        server = Server(env, tmp_path / f"server{len(servers)}.log")
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()
    for server in servers:
        print(server.log_text()[-4000:], file=sys.stderr)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    require_service("redis-server", shutil.which("redis-server") is not None, "install Redis")
    server = OwnRedis(tmp_path)
    yield server
    server.kill()


@pytest.fixture
def proxy() -> Iterator[TcpProxy]:
    settings = connection.settings_dict
    proxy = TcpProxy((settings["HOST"] or "127.0.0.1", int(settings["PORT"] or 5432)))
    proxy.start()
    yield proxy
    proxy.stop()


@pytest.fixture
def editor_token(editor_user) -> str:
    token, _ = Token.objects.get_or_create(user=editor_user)
    return token.key
