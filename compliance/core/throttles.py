"""Throttles that read their rate from settings at request time (so tests can change it).

DRF throttles keep their counters in the default cache: Redis whenever ``REDIS_URL`` is set,
so every web process shares one count per client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


def _rate(scope: str | None) -> str | None:
    rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope or "")
    return str(rate) if rate is not None else None


class AnonymousThrottle(AnonRateThrottle):
    """Anonymous clients, counted per IP address."""

    def get_rate(self) -> str | None:
        return _rate(self.scope)


class TokenUserThrottle(UserRateThrottle):
    """Signed-in clients, counted per user (anonymous ones are the other throttle's)."""

    def get_rate(self) -> str | None:
        return _rate(self.scope)

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)
