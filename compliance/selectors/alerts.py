"""Reads of alerts: a user's subscriptions and delivery log, an event as the document every
channel sends (with its links), and the text of its email."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils import timezone

from compliance.models import AlertDelivery, AlertEvent, Subscription


def subscriptions_of(*, user: Any) -> QuerySet[Subscription]:
    """A user's subscriptions, oldest first."""
    return Subscription.objects.filter(user=user).select_related("jurisdiction").order_by("pk")


def deliveries_of(*, subscription: Subscription) -> QuerySet[AlertDelivery]:
    """A subscription's deliveries, newest first, with their events and attempts."""
    return (
        AlertDelivery.objects.filter(subscription=subscription)
        .select_related("event")
        .prefetch_related("attempt_log")
        .order_by("-created_at", "-id")
    )


def events_of(*, subscription: Subscription, limit: int = 50) -> list[AlertEvent]:
    """A subscription's latest events (its Atom feed)."""
    return list(
        AlertEvent.objects.filter(subscription=subscription).order_by("-created_at", "-id")[:limit]
    )


def deliveries_sent_since(*, user_ids: list[int], since: Any) -> dict[int, int]:
    """Deliveries sent per user since a moment (the daily cap), in one grouped query."""
    rows = (
        AlertDelivery.objects.filter(subscription__user_id__in=user_ids, sent_at__gte=since)
        .values_list("subscription__user_id")
        .annotate(sent=Count("id"))
        .order_by()
    )
    return dict(rows)


def site_url(path: str) -> str:
    """An absolute address on this site."""
    return f"{settings.SITE_URL}{path}"


def _day(value: Any) -> str | None:
    if not value:
        return None
    return str(value)[:10]


def event_links(event: AlertEvent) -> dict[str, str]:
    """Where to read more: the dashboard page, the API record and, for a jurisdiction, the
    ``changes`` view between the two dates."""
    payload = event.payload or {}
    record = payload.get("record") or {}
    slug = payload.get("jurisdiction") or record.get("jurisdiction")
    links: dict[str, str] = {}
    if slug:
        links["page"] = site_url(reverse("dashboard:detail", kwargs={"slug": slug}))
    if record:
        name = "api:statement-detail" if record.get("type") == "statements" else (
            "api:federal-action-detail"
        )  # fmt: skip
        links["api"] = site_url(reverse(name, kwargs={"pk": record["id"]}))
    elif slug:
        links["api"] = site_url(reverse("api:jurisdiction-detail", kwargs={"slug": slug}))
    if slug:
        end = _day(event.created_at) or timezone.localdate().isoformat()
        if record:
            start = _day(record.get("date")) or end
        else:
            start = _day((payload.get("before") or {}).get("computed_at")) or end
        if start >= end:  # the view compares two different dates
            start = (date.fromisoformat(end) - timedelta(days=1)).isoformat()
        changes = reverse("api:jurisdiction-changes", kwargs={"slug": slug})
        links["changes"] = site_url(f"{changes}?from={start}&to={end}")
    return links


def event_document(event: AlertEvent, *, delivery: AlertDelivery | None = None) -> dict:
    """An event as every channel sends it (the webhook body)."""
    sub = event.subscription
    return {
        "delivery": str(delivery.uuid) if delivery else None,
        "event": {
            "id": event.pk,
            "kind": event.kind,
            "created_at": event.created_at.isoformat(),
            "subscription": {"id": sub.pk, "name": str(sub), "kind": sub.kind},
            **event.payload,
            "links": event_links(event),
        },
    }


def _usd(value: Any) -> str:
    return f"${int(value or 0):,}"


def event_summary(event: AlertEvent) -> str:
    """One line saying what happened (an email subject, a feed entry's title): whitespace,
    line breaks included, folded to single spaces."""
    return " ".join(_event_summary(event).split())


def _event_summary(event: AlertEvent) -> str:
    payload = event.payload or {}
    if event.kind == AlertEvent.Kind.TEST:
        return "Test event"
    if event.kind == AlertEvent.Kind.RECORD:
        record = payload.get("record") or {}
        noun = "statement" if record.get("type") == "statements" else "federal action"
        where = payload.get("jurisdiction") or record.get("jurisdiction")
        place = f" for {where}" if where else ""
        return f"New {noun}{place}: {str(record.get('title', ''))[:120]}"
    before, after = payload.get("before") or {}, payload.get("after") or {}
    name = payload.get("name") or payload.get("jurisdiction") or "A jurisdiction"
    if event.kind == AlertEvent.Kind.RANKING:
        return f"{name} moved from {before.get('risk_level')} to {after.get('risk_level')}"
    parts = []
    if before.get("funding_at_risk_usd") != after.get("funding_at_risk_usd"):
        parts.append(
            f"funding at risk {_usd(before.get('funding_at_risk_usd'))} → "
            f"{_usd(after.get('funding_at_risk_usd'))}"
        )
    if before.get("risk_level") != after.get("risk_level"):
        parts.append(f"level {before.get('risk_level')} → {after.get('risk_level')}")
    if before.get("stance") != after.get("stance"):
        parts.append(f"stance {before.get('stance')} → {after.get('stance')}")
    return f"{name}: {'; '.join(parts) or 'figures changed'}"


LINK_LABELS = {"page": "Page", "api": "API record", "changes": "What changed (API)"}


def event_text(event: AlertEvent) -> str:
    """The plain-text body of an event (an email, a feed entry): what changed, before and
    after, and the links."""
    payload = event.payload or {}
    lines = [event_summary(event), ""]
    record = payload.get("record")
    if record:
        lines.append(f"Date: {record.get('date')}")
        lines.append(f"Source: {record.get('source_url')}")
    for side in ("before", "after"):
        figures = payload.get(side)
        if figures:
            lines.append(
                f"{side.capitalize()}: funding at risk {_usd(figures.get('funding_at_risk_usd'))}"
                f", level {figures.get('risk_level')}, stance {figures.get('stance')}"
                f" (computed {figures.get('computed_at') or 'never'})"
            )
    if payload.get("message"):
        lines.append(str(payload["message"]))
    lines.append("")
    for name, url in event_links(event).items():
        lines.append(f"{LINK_LABELS.get(name, name)}: {url}")
    return "\n".join(lines)


def day_start(moment: Any = None) -> Any:
    """Twenty-four hours before a moment (default now)."""
    return (moment or timezone.now()) - timedelta(hours=24)
