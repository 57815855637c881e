"""Fixtures of the API tests: clients holding each role's token, and fresh throttle counters."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _fresh_throttle_counters() -> Iterator[None]:
    """Throttle counters live in the cache (Redis here), which outlives a test."""
    cache.clear()
    yield
    cache.clear()


def token_client_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def editor_client(editor_user) -> APIClient:
    return token_client_for(editor_user)


@pytest.fixture
def analyst_client(analyst_user) -> APIClient:
    return token_client_for(analyst_user)


@pytest.fixture
def superuser_client(superuser) -> APIClient:
    return token_client_for(superuser)


@pytest.fixture
def count_queries() -> Callable[[Callable[[], object]], int]:
    """Run a callable and return how many SQL queries it made."""

    def run(call: Callable[[], object]) -> int:
        with CaptureQueriesContext(connection) as captured:
            call()
        return len(captured.captured_queries)

    return run


# Expected status of each unsafe method, by who asks: the same for every writable resource.
PERMISSION_MATRIX = [
    ("anonymous", {"post": 401, "patch": 401, "put": 401, "delete": 401}),
    ("analyst", {"post": 403, "patch": 403, "put": 403, "delete": 403}),
    ("editor", {"post": 201, "patch": 200, "put": 405, "delete": 204}),
    ("superuser", {"post": 201, "patch": 200, "put": 405, "delete": 204}),
]
