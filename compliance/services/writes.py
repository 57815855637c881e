"""The transaction every record write runs in: atomic, its stale marks written once in id
order at its end, and retried when PostgreSQL picks it as the loser of a deadlock or of a
serialization conflict (never a 500 for a race two editors cannot see)."""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import OperationalError, connection, transaction

from compliance.core.exceptions import write_conflict

from .stale import stale_marks_collected

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

ATTEMPTS = 4


def record_write(func: Callable[P, R]) -> Callable[P, R]:
    """Run ``func`` in a transaction whose stale marks are written once, locked in id order,
    when it is done. Outermost, it is tried again (up to four times, after a short random
    pause) when it loses a deadlock or serialization conflict; the last loss is raised, for
    the API to answer 409. Nested in a caller's transaction it joins it (no retry: the caller
    owns the transaction)."""

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if connection.in_atomic_block:
            with transaction.atomic(), stale_marks_collected():
                return func(*args, **kwargs)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with transaction.atomic(), stale_marks_collected():
                    return func(*args, **kwargs)
            except OperationalError as error:
                if not write_conflict(error) or attempt == ATTEMPTS:
                    raise
                logger.info("%s lost a write conflict (attempt %d); retrying", func.__name__,
                            attempt)  # fmt: skip
                time.sleep(random.uniform(0.01, 0.05) * attempt)
        raise AssertionError("unreachable")

    return run
