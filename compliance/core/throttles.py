"""Rate limits with atomic counters.

DRF's own throttles read a client's request history from the cache, add one and write it
back: two requests at once both read the old history, so parallel clients get through many
more requests than the rate. These count with one atomic increment per request in a window
that opens at a client's first request (Redis ``INCR`` when ``REDIS_URL`` is set, so every
process shares the count), read
their rate from settings at request time (so tests can change it), and let a request cost
more than one (an export of every row). When the cache is unreachable they let requests
through and log it: a limiter must not take the API down.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from django.core.cache import cache as default_cache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from .pagination import EXPORT_ALL

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

logger = logging.getLogger(__name__)

# An export of every matching row counts as this many requests.
EXPORT_COST = 30


def window_hit(key: str, *, cost: int, limit: int, seconds: int) -> tuple[bool, float]:
    """Count ``cost`` against ``key`` in its window: the ``seconds`` from the first request
    counted (the counter expires then). Returns whether the count stays within ``limit`` and
    the seconds left in the window. Fails open."""
    now = time.time()
    slot = f"throttle_{key}"
    if cost > limit:  # more than a whole window's allowance: never, and it counts nothing
        return False, float(seconds)
    try:
        if default_cache.add(slot, cost, timeout=seconds):
            default_cache.set(f"{slot}:start", now, timeout=seconds)
            return True, float(seconds)
        try:
            count = default_cache.incr(slot, cost)
        except ValueError:  # expired between the two calls: a new window begins here
            default_cache.set(slot, cost, timeout=seconds)
            default_cache.set(f"{slot}:start", now, timeout=seconds)
            return cost <= limit, float(seconds)
        if count > limit:
            default_cache.decr(slot, cost)  # a refused request uses none of the allowance
        start = default_cache.get(f"{slot}:start", now)
    except Exception:
        logger.warning("Rate limit not applied: the cache is unreachable", exc_info=True)
        return True, 0.0
    return count <= limit, max(float(start) + seconds - now, 0.0)


class AtomicRateThrottle(SimpleRateThrottle):
    """A fixed-window limit counted atomically; an export costs EXPORT_COST requests."""

    num_requests: int
    duration: int

    def get_rate(self) -> str | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope or "")
        return str(rate) if rate is not None else None

    def cost(self, request: Request) -> int:
        return EXPORT_COST if request.query_params.get("page_size") == EXPORT_ALL else 1

    def allow_request(self, request: Request, view: APIView) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        allowed, self._remaining = window_hit(
            key, cost=self.cost(request), limit=self.num_requests, seconds=self.duration
        )
        return allowed

    def wait(self) -> float:
        return max(getattr(self, "_remaining", 1.0), 1.0)


class AnonymousThrottle(AtomicRateThrottle):
    """Anonymous clients, counted per IP address."""

    scope = "anon"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return f"{self.scope}:{self.get_ident(request)}"


class TokenUserThrottle(AtomicRateThrottle):
    """Signed-in clients, counted per user (anonymous ones are the other throttle's)."""

    scope = "user"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return f"{self.scope}:{request.user.pk}"


def client_address(request: Any) -> str:
    """The client's address as DRF's throttles read it (``NUM_PROXIES`` aware)."""
    return BaseThrottle().get_ident(request)
