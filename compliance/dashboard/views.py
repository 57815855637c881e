"""Dashboard pages: the national ranking and one jurisdiction's dashboard.

Views only parse the request and render; the reads live in ``jurisdictions.selectors`` and
``compliance.dashboard.pages``.
"""

from __future__ import annotations

import contextlib
import hashlib
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from compliance.core.dates import EARLIEST
from compliance.core.throttles import client_address, window_hit
from jurisdictions.choices import US_STATES, JurisdictionKind, RiskLevel, StanceCode
from jurisdictions.models import Jurisdiction
from jurisdictions.selectors import (
    DEFAULT_RANKING_ORDERING,
    jurisdiction_ranking,
    jurisdiction_ranking_filter,
    state_totals,
    totals_combine,
)

from .national import method_html, national_series
from .pages import city_dashboard
from .tiles import state_tiles

RANKING_PAGE_SIZE = 50
# The API's list endpoint answers the same filters; the dashboard links its CSV export.
API_LIST_PATH = "/api/v1/jurisdictions/"
FILTER_FIELDS = ("q", "state", "kind", "stance", "risk_level")
ORDERING_CHOICES = [
    ("-funding_at_risk_usd", "Funding at risk, largest first"),
    ("funding_at_risk_usd", "Funding at risk, smallest first"),
    ("-risk_score", "Risk score, highest first"),
    ("risk_score", "Risk score, lowest first"),
    ("-population", "Population, largest first"),
    ("population", "Population, smallest first"),
    ("name", "Name, A to Z"),
    ("-name", "Name, Z to A"),
]
# States and DC in the map; Puerto Rico is kept in the filter.
STATE_CHOICES = sorted(US_STATES.items(), key=lambda item: item[1])


class RankingFilterForm(forms.Form):
    """The ranking's filters, read from the query string so that a view can be shared."""

    q = forms.CharField(label="Name contains", required=False, max_length=100)
    state = forms.ChoiceField(
        label="State", required=False, choices=[("", "All states"), *STATE_CHOICES]
    )
    kind = forms.ChoiceField(
        label="Kind", required=False, choices=[("", "All kinds"), *JurisdictionKind.choices]
    )
    stance = forms.ChoiceField(
        label="Stance", required=False, choices=[("", "All stances"), *StanceCode.choices]
    )
    risk_level = forms.ChoiceField(
        label="Risk level",
        required=False,
        choices=[("", "All levels"), *RiskLevel.choices],
    )
    ordering = forms.ChoiceField(label="Sort by", required=False, choices=ORDERING_CHOICES)


def _valid_filters(form: RankingFilterForm) -> dict[str, str]:
    """The filters that passed validation; an invalid one is dropped (and reported)."""
    form.is_valid()
    cleaned = getattr(form, "cleaned_data", {})
    return {name: cleaned.get(name) or "" for name in (*FILTER_FIELDS, "ordering")}


def national_index(request: HttpRequest) -> HttpResponse:
    """``/``: totals, the state tile-grid map and the ranking of jurisdictions."""
    form = RankingFilterForm(request.GET)
    values = _valid_filters(form)
    ordering = values.pop("ordering") or DEFAULT_RANKING_ORDERING
    filters = values
    # One GROUP BY state over every filter but the state feeds both the map and the totals.
    map_filters = {**filters, "state": ""}
    by_state = state_totals(rows=jurisdiction_ranking_filter(**map_filters))
    if filters["state"]:
        totals = totals_combine(parts=[by_state.get(filters["state"], {})])
    else:
        totals = totals_combine(parts=by_state.values())
    paginator = Paginator(jurisdiction_ranking(**filters, ordering=ordering), RANKING_PAGE_SIZE)
    paginator.count = totals["count"]  # the totals query counted the same rows already
    page = paginator.get_page(request.GET.get("page"))
    tiles = state_tiles(totals=by_state, names=US_STATES)
    active = {name: value for name, value in filters.items() if value}
    # Every matching row, streamed: the CSV is the whole filtered ranking, not one page.
    export_query = {"format": "csv", "page_size": "all", **active, "ordering": ordering}
    context: dict[str, Any] = {
        "form": form,
        "selects": [
            {
                "name": name,
                "label": form.fields[name].label,
                "choices": form.fields[name].choices,  # type: ignore[attr-defined]
                "current": ordering if name == "ordering" else filters[name],
            }
            for name in (*FILTER_FIELDS[1:], "ordering")
        ],
        "filters": filters,
        "is_filtered": bool(active),
        "ordering": ordering,
        "page": page,
        "totals": totals,
        "levels": [
            {
                "level": level,
                "count": count,
                "href": "?" + urlencode({**active, "risk_level": level, "ordering": ordering}),
            }
            for level, count in totals["by_level"].items()
        ],
        "tiles": tiles,
        "map_query": urlencode({k: v for k, v in map_filters.items() if v}),
        "csv_url": f"{API_LIST_PATH}?{urlencode(export_query)}",
        "sort": _sort_links(request, ordering),
        "feeds": _feeds(),
        "series": national_series(
            state=filters["state"], kind=filters["kind"], stance=filters["stance"]
        ),
        "series_filtered": bool(filters["q"] or filters["risk_level"]),
        "today": timezone.localdate(),
        "method_url": reverse("dashboard:method"),
    }
    return render(request, "dashboard/index.html", context, status=400 if form.errors else 200)


def _day(raw: str, today: date) -> tuple[date | None, str]:
    """A date from the query string, or an error in words."""
    if not raw:
        return None, ""
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None, f"“{raw[:40]}” is not a date. Use the form YYYY-MM-DD, e.g. 2025-03-01."
    if day > today:
        return None, "That date is in the future; choose today or an earlier date."
    if day < EARLIEST:
        return None, f"Choose a date on or after {EARLIEST:%B %-d, %Y}."
    return day, ""


def jurisdiction_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """``/jurisdictions/<slug>/``: one jurisdiction's dashboard, now or ``?as_of=YYYY-MM-DD``;
    ``?from=&to=`` adds what changed between two dates."""
    jurisdiction = get_object_or_404(Jurisdiction.objects.select_related("parent"), slug=slug)
    today = timezone.localdate()
    raw = request.GET.get("as_of", "").strip()
    as_of, error = _day(raw, today)
    raw_from, raw_to = (request.GET.get(name, "").strip() for name in ("from", "to"))
    compare: tuple[date, date] | None = None
    compare_error = ""
    if raw_from or raw_to:
        start, start_error = _day(raw_from, today)
        end, end_error = _day(raw_to, today)
        if start_error or end_error:
            compare_error = start_error or end_error
        elif start is None or end is None:
            compare_error = "Give both dates to compare."
        elif start > end:
            compare_error = "The first date must not be after the second."
        else:
            compare = (start, end)
    computed = as_of is not None or compare is not None
    cache_key = ""
    if computed:
        # Pages computed on request cost a computation per date: limited per client, and kept
        # until the records change (or the day turns).
        allowed, wait = window_hit(
            f"page:{client_address(request)}", cost=1,
            limit=settings.DASHBOARD_COMPUTED_PAGES_PER_MINUTE, seconds=60,
        )  # fmt: skip
        if not allowed:
            response = render(
                request, "dashboard/too_many.html", {"wait": int(wait) + 1}, status=429
            )
            response["Retry-After"] = str(int(wait) + 1)
            return response
        cache_key = _page_cache_key(request, jurisdiction, today)
        cached = _cache_get(cache_key)
        if cached is not None:
            return HttpResponse(cached)
    page = city_dashboard(jurisdiction=jurisdiction, as_of=as_of, compare=compare)
    cite_date = as_of or today
    permalink = request.build_absolute_uri(
        f"{jurisdiction.get_absolute_url()}?{urlencode({'as_of': cite_date.isoformat()})}"
    )
    context = {
        "j": jurisdiction,
        "page": page,
        "figures": page.figures,
        "as_of": as_of,
        "as_of_error": error,
        "as_of_value": raw if error else (as_of.isoformat() if as_of else ""),
        "compare_error": compare_error,
        "compare_from": raw_from[:10],
        "compare_to": raw_to[:10],
        "method_url": reverse("dashboard:method"),
        "today": today,
        "cite_date": cite_date,
        "permalink": permalink,
        "feeds": _feeds(jurisdiction),
    }
    status = 400 if error or compare_error else 200
    response = render(request, "jurisdictions/detail.html", context, status=status)
    if cache_key and status == 200:
        _cache_set(cache_key, response.content)
    return response


COMPUTED_PAGE_SECONDS = 600


def _page_cache_key(request: HttpRequest, jurisdiction: Jurisdiction, today: date) -> str:
    query = urlencode(sorted((k, v[:40]) for k, v in request.GET.items()))
    digest = hashlib.sha256(query.encode()).hexdigest()[:32]
    # Every change to a record that can move this page's figures bumps the generation.
    return f"page:{jurisdiction.pk}:{jurisdiction.risk_generation}:{today.isoformat()}:{digest}"


def _cache_get(key: str) -> bytes | None:
    try:
        return cache.get(key)
    except Exception:
        return None


def _cache_set(key: str, content: bytes) -> None:
    # The cache may be down: the page was served anyway.
    with contextlib.suppress(Exception):
        cache.set(key, content, timeout=COMPUTED_PAGE_SECONDS)


def method(request: HttpRequest) -> HttpResponse:
    """``/method/``: how the figures are computed, from the README's method section."""
    return render(request, "dashboard/method.html", {"method": method_html()})


# Column -> the order its first click asks for (money and scores: largest first).
SORTABLE_COLUMNS = {
    "name": "name",
    "population": "-population",
    "funding_at_risk_usd": "-funding_at_risk_usd",
    "risk_score": "-risk_score",
}


def _sort_links(request: HttpRequest, ordering: str) -> dict[str, dict[str, str]]:
    """For each sortable column: the address that sorts by it (a second click reverses the
    order) and its ``aria-sort`` value when it is the current sort."""
    links = {}
    for column, first in SORTABLE_COLUMNS.items():
        current = ordering.lstrip("-") == column
        if current:
            target = ordering[1:] if ordering.startswith("-") else f"-{ordering}"
        else:
            target = first
        query = request.GET.copy()
        query["ordering"] = target
        query.pop("page", None)
        direction = ""
        if current:
            direction = "descending" if ordering.startswith("-") else "ascending"
        links[column] = {"href": f"?{query.urlencode()}", "aria_sort": direction}
    return links


def _feeds(jurisdiction: Jurisdiction | None = None) -> list[tuple[str, str]]:
    """(title, address) of the Atom feeds a page links."""
    if jurisdiction is None:
        return [
            ("New statements", reverse("dashboard:feed-statements")),
            ("New federal actions", reverse("dashboard:feed-actions")),
        ]
    kwargs = {"slug": jurisdiction.slug}
    return [
        (
            f"Statements: {jurisdiction}",
            reverse("dashboard:jurisdiction-feed-statements", kwargs=kwargs),
        ),
        (
            f"Federal actions: {jurisdiction}",
            reverse("dashboard:jurisdiction-feed-actions", kwargs=kwargs),
        ),
    ]
