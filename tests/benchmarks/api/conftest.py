"""API benchmarks read the configured database as it is (the national synthetic dataset),
inside a transaction that is rolled back. Run them alone:

    DATABASE_URL=postgres://.../<dataset db> pytest tests/benchmarks/api -m benchmark_national

Run with the rest of the suite they see the empty test database and skip.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def django_db_setup() -> None:
    """Use the configured database instead of creating a test database."""
