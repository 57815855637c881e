"""Shared fixtures, and the rule that a missing service fails under CI instead of skipping."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from unittest import mock
from urllib.parse import urlparse

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.helpers import (
    Worker,
    clear_cache_keys,
    purge_broker,
    require_service,
    token_client_for,
    worker_env,
)


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 1
        ):
            return True
    except OSError:
        return False


@pytest.fixture
def postgres() -> None:
    """Tests that need PostgreSQL features (exclusion constraints, full-text search)."""
    require_service(
        "PostgreSQL",
        settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql",
        "set DATABASE_URL=postgres://... (make test does this)",
    )


@pytest.fixture
def redis_url() -> str:
    url = settings.REDIS_URL
    require_service("Redis", bool(url) and _reachable(url, 6379), "set REDIS_URL=redis://...")
    return url


@pytest.fixture(autouse=True)
def _fresh_cache_keys() -> Iterator[None]:
    """Throttle counters, recompute and alert-dispatch coalescing keys and cached pages live in
    the cache (Redis here), which outlives a test; only those keys go, since the broker shares
    the Redis database."""
    keys = ("throttle_*", "risk:*", "page:*", "alerts:*")
    clear_cache_keys(*keys)
    yield
    clear_cache_keys(*keys)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def _user_in_group(username: str, group: str):
    from django.contrib.auth.models import Group

    from compliance.services.roles import roles_ensure

    roles_ensure()
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def editor_user(db):
    """A staff user in the ``editor`` group (adds and changes records)."""
    return _user_in_group("editor", "editor")


@pytest.fixture
def analyst_user(db):
    """A staff user in the ``analyst`` group (views only)."""
    return _user_in_group("analyst", "analyst")


@pytest.fixture
def superuser(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def editor_client(editor_user) -> APIClient:
    return token_client_for(editor_user)


@pytest.fixture
def analyst_client(analyst_user) -> APIClient:
    return token_client_for(analyst_user)


@pytest.fixture
def superuser_client(superuser) -> APIClient:
    return token_client_for(superuser)


# --- The recompute pipeline -------------------------------------------------------------------


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
