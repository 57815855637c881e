"""Content negotiation whose unknown ``?format=`` is a 406 naming the formats offered."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import Http404
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer


class FormatNamingNegotiation(DefaultContentNegotiation):
    def filter_renderers(
        self, renderers: Iterable[BaseRenderer], format: str
    ) -> list[BaseRenderer]:
        renderers = list(renderers)
        try:
            return super().filter_renderers(renderers, format)
        except Http404:
            offered = ", ".join(renderer.format for renderer in renderers)
            raise NotAcceptable(f"Unknown format '{format}'; use one of: {offered}.") from None
