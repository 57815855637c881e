"""Template filters of the dashboard: money, codes as words, charts."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
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


@register.simple_tag
def timeline_chart(
    points: list[charts.StepPoint],
    markers: list[charts.Marker],
    last: Any = None,
    chart_id: str = "timeline",
    title: str = "Funding at risk over time",
) -> SafeString:
    """A step chart of a timeline as inline SVG (its text is escaped by ``charts``)."""
    return mark_safe(
        charts.timeline_step_chart(points, markers, last=last, chart_id=chart_id, title=title)
    )


@register.simple_tag
def waterfall(figures: Any) -> SafeString:
    """Exposure to maximum at risk to funding at risk as inline SVG."""
    return mark_safe(
        charts.waterfall_chart(
            exposure_usd=int(figures.exposure_usd),
            max_at_risk_usd=int(figures.max_at_risk_usd),
            funding_at_risk_usd=int(figures.funding_at_risk_usd),
        )
    )


@register.filter
def precise_date(day: Any, precision: str | None = "day") -> str:
    """A date as its precision allows: ``March 2017``, ``2017``, ``about March 3, 2017``."""
    if not day:
        return "—"
    if precision == "year":
        return f"{day.year}"
    if precision == "month":
        return day.strftime("%B %Y")
    text = f"{day.strftime('%B')} {day.day}, {day.year}"
    if precision == "approximate":
        return f"about {text}"
    if precision == "published":
        return f"{text} (publication date)"
    return text


@register.filter
def gap_text(code: str) -> str:
    """A data-gap code in words."""
    return DATA_GAP_TEXT.get(code, code.replace("_", " "))


DATA_GAP_TEXT = {
    "no_stance": "no sourced stance on this date",
    "no_awards": "no award data: no grant figure on record for any conditioned program",
    "stale_awards": "the newest grant figure is more than three fiscal years old",
    "approximate": "a figure in exposure is approximate or an estimate",
}


@register.simple_tag
def timeline_rows(points: list[dict[str, Any]]) -> SafeString:
    """The rows of the timeline table, newest first, built here rather than in a template loop
    (a long timeline has hundreds of rows). Every value is escaped by ``format_html``."""
    rows = []
    for point in reversed(points):
        day = point["date"].isoformat()
        if "no_awards" in point["data_gaps"]:
            money = mark_safe('<td class="num" colspan="3">no award data</td>')
        else:
            money = format_html(
                '<td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>',
                dollars(point["funding_at_risk_usd"]), dollars(point["max_at_risk_usd"]),
                dollars(point["exposure_usd"]),
            )  # fmt: skip
        rows.append(
            format_html(
                '<tr><th scope="row"><a href="?as_of={}">{}</a></th>{}<td>{}</td><td>{}</td>'
                "<td>{}</td></tr>",
                day,
                day,
                money,
                label(point["risk_level"], "level"),
                label(point["stance"], "stance"),
                "; ".join(event["label"] for event in point["events"]),
            )
        )
    return mark_safe("".join(rows))  # each row was built by format_html


def _source(url: str) -> str:
    return format_html('<a href="{}" rel="external noopener">source</a>', url)


def _statement_item(entry: Any) -> str:
    r = entry.record
    speaker = r.official.name if r.official_id and r.official else r.speaker
    role = format_html(", {}", r.speaker_role) if r.speaker_role else ""
    context = format_html('<p class="context">{}</p>', r.context) if r.context else ""
    return format_html(
        '<p class="when"><time datetime="{}">{}</time> <span class="entry-kind">Statement</span> '
        '<span class="badge position position-{}">{}</span></p>'
        '<blockquote cite="{}"><p>{}</p></blockquote>'
        '<p class="attribution">\u2014 {}{} \u00b7 {}</p>{}',
        entry.on.isoformat(), precise_date(entry.on, r.date_precision), r.position,
        label(r.position, "position"), r.source_url, r.quote, speaker, role,
        _source(r.source_url), context,
    )  # fmt: skip


def _action_item(entry: Any, place: str, as_of: Any) -> str:
    r = entry.record
    reach = format_html("names {}", place) if r.is_listed else (
        "aimed at every sanctuary jurisdiction"
    )  # fmt: skip
    if r.covers_all_programs:
        programs = "all"
    else:
        programs = ", ".join(p.aln for p in r.programs.all()) or "none listed"
    on_date = format_html(" on {}", precise_date(as_of)) if as_of else ""
    history = ""
    if entry.statuses:
        changes = [
            format_html("<li>In effect from {}</li>", precise_date(r.issued_on, r.date_precision))
        ]
        for change in entry.statuses:
            cause = (
                format_html(': <a href="#action-{}">{}</a>', change.cause.pk, change.cause.title)
                if change.cause else ""
            )  # fmt: skip
            source = format_html(" \u00b7 {}", _source(change.source_url)) if (
                change.source_url
            ) else ""  # fmt: skip
            changes.append(
                format_html(
                    "<li>{} from {}{}{}</li>",
                    label(change.status, "status"),
                    precise_date(change.on, change.precision),
                    cause,
                    source,
                )
            )
        history = format_html('<ol class="status-history">{}</ol>', mark_safe("".join(changes)))
    summary = format_html('<p class="context">{}</p>', r.summary) if r.summary else ""
    return format_html(
        '<p class="when"><time datetime="{}">{}</time> <span class="entry-kind">Federal action'
        '</span> <span class="badge effect effect-{}">{}</span></p>'
        '<p class="action-title"><strong>{}</strong></p>'
        '<p class="attribution">{} \u00b7 {} \u00b7 status{}: {} \u00b7 {} \u00b7 programs: {} '
        "\u00b7 {}</p>{}{}",
        entry.on.isoformat(), precise_date(entry.on, r.date_precision), r.effect,
        label(r.effect, "effect"), r.title, r.issuing_body, label(r.kind, "action_kind"),
        on_date, label(entry.status, "status"), reach, programs, _source(r.source_url),
        history, summary,
    )  # fmt: skip


@register.simple_tag
def evidence_items(entries: list[Any], place: str, as_of: Any = None) -> SafeString:
    """The page's statements and federal actions, newest first, one ``<li>`` each with its
    anchor. Built here rather than in a template loop: a busy city has a hundred entries.
    Every value is escaped by ``format_html``."""
    items = []
    for entry in entries:
        body = (
            _statement_item(entry) if entry.kind == "statement"
            else _action_item(entry, place, as_of)
        )  # fmt: skip
        items.append(
            format_html('<li id="{}" class="timeline-{}">{}</li>', entry.anchor, entry.kind, body)
        )
    return mark_safe("".join(items))
