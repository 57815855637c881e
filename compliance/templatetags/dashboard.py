"""Template filters of the dashboard: money, codes as words, charts."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from compliance.choices import (
    ActionEffect,
    ActionKind,
    ActionStatus,
    RiskLevel,
    StatementPosition,
)
from compliance.dashboard import charts
from compliance.risk.weights import EVIDENCE_KINDS
from jurisdictions.choices import JurisdictionKind, StanceCode

register = template.Library()

_LABELS: dict[str, dict[str, str]] = {
    "stance": dict(StanceCode.choices),
    "kind": dict(JurisdictionKind.choices),
    "position": dict(StatementPosition.choices),
    "action_kind": dict(ActionKind.choices),
    "effect": dict(ActionEffect.choices),
    "status": dict(ActionStatus.choices),
    "level": dict(RiskLevel.choices),
    "evidence": EVIDENCE_KINDS,
}


@register.filter
def dollars(amount: int | None) -> str:
    """``1234567`` -> ``$1,234,567``."""
    return charts.dollars(None if amount in (None, "") else int(amount))


@register.filter
def compact_dollars(amount: int | None) -> str:
    """``1234567`` -> ``$1.2M``."""
    return charts.compact_dollars(None if amount in (None, "") else int(amount))


@register.filter
def label(code: str | None, vocabulary: str) -> str:
    """A code in words, e.g. ``{{ j.stance|label:"stance" }}`` -> ``Sanctuary``."""
    if not code:
        return "—"
    return _LABELS.get(vocabulary, {}).get(str(code), str(code).replace("_", " ").capitalize())


@register.filter
def program_chart(bars: list[charts.ProgramBar]) -> SafeString:
    """The per-program bar chart as inline SVG (its text is escaped by ``charts``)."""
    return mark_safe(charts.program_bar_chart(bars))


@register.filter
def risk_chart(points: list[charts.RiskPoint]) -> SafeString:
    """The risk-over-time line chart as inline SVG (its text is escaped by ``charts``)."""
    return mark_safe(charts.risk_line_chart(points))
