"""Shared fixtures, and the rule that a missing service fails under CI instead of skipping."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.factories import UserFactory

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 1
        ):
            return True
    except OSError:
        return False


def require_service(name: str, ok: bool, why: str) -> None:
    """Skip loudly when a service is missing locally; fail under CI=true."""
    if ok:
        return
    message = f"{name} is not available: {why}"
    if IN_CI:
        pytest.fail(f"CI=true and {message}")
    pytest.skip(f"SKIPPED LOUDLY — {message}")


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


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def _user_in_group(username: str, group: str):
    from django.contrib.auth.models import Group

    from compliance.services import roles_ensure

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
