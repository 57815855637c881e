"""Atom feeds of newly recorded statements and federal actions, overall and per jurisdiction."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from compliance.models import FederalAction, Statement
from jurisdictions.models import Jurisdiction

from .pages import actions_feed_items, statements_feed_items

FEED_LENGTH = 50


def long_date(day: date) -> str:
    """``March 1, 2025``."""
    return f"{day:%B} {day.day}, {day.year}"


class JurisdictionFeed(Feed):
    """An Atom feed, overall or (with a slug in the URL) for one jurisdiction.

    Atom summaries are ``type="html"``: a feed reader renders them as HTML. Descriptions are
    therefore HTML-escaped here (and XML-escaped again by the generator), so recorded text
    such as ``<script>`` reaches the reader as text, never as markup.
    """

    feed_type = Atom1Feed
    route: str  # "statements" or "actions": the URL names end with it
    overall_title: str
    one_title: str  # with {jurisdiction}

    def get_object(self, request: HttpRequest, slug: str | None = None) -> Jurisdiction | None:
        if slug is None:
            return None
        return get_object_or_404(Jurisdiction, slug=slug)

    def title(self, obj: Jurisdiction | None) -> str:
        return self.overall_title if obj is None else self.one_title.format(jurisdiction=obj)

    def link(self, obj: Jurisdiction | None) -> str:
        return reverse("dashboard:index") if obj is None else obj.get_absolute_url()

    def feed_url(self, obj: Jurisdiction | None) -> str:
        if obj is None:
            return reverse(f"dashboard:feed-{self.route}")
        return reverse(f"dashboard:jurisdiction-feed-{self.route}", kwargs={"slug": obj.slug})


class StatementsFeed(JurisdictionFeed):
    """Statements, newest recorded first."""

    route = "statements"
    overall_title = "Statements by officials on federal immigration enforcement"
    one_title = "Statements: {jurisdiction}"
    subtitle = "Newly recorded statements, each quoted verbatim with its source."

    def items(self, obj: Jurisdiction | None) -> list[Statement]:
        return statements_feed_items(
            jurisdiction_id=None if obj is None else obj.pk, limit=FEED_LENGTH
        )

    def item_title(self, item: Statement) -> str:
        return f"{item.speaker} ({item.jurisdiction}), {long_date(item.said_on)}"

    def item_description(self, item: Statement) -> str:
        position = item.get_position_display()
        return escape(f"“{item.quote}” Position: {position}. Source: {item.source_url}")

    def item_link(self, item: Statement) -> str:
        return f"{item.jurisdiction.get_absolute_url()}#statement-{item.pk}"

    def item_guid(self, item: Statement) -> str:
        return f"tag:sanctuary-compliance,2025:statement:{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Statement) -> datetime:
        return item.created_at

    def item_updateddate(self, item: Statement) -> datetime:
        return item.updated_at

    def item_author_name(self, item: Statement) -> str:
        return item.speaker


class ActionsFeed(JurisdictionFeed):
    """Federal actions, newest recorded first (per jurisdiction: those that reach it)."""

    route = "actions"
    overall_title = "Federal actions bearing on funding"
    one_title = "Federal actions: {jurisdiction}"
    subtitle = "Newly recorded federal actions, each with its source."

    def items(self, obj: Jurisdiction | None) -> list[FederalAction]:
        return actions_feed_items(
            jurisdiction_id=None if obj is None else obj.pk, limit=FEED_LENGTH
        )

    def item_title(self, item: FederalAction) -> str:
        return f"{item.title} ({item.issuing_body}, {long_date(item.issued_on)})"

    def item_description(self, item: FederalAction) -> str:
        parts = [
            f"{item.get_kind_display()}; effect: {item.get_effect_display()}; "
            f"status: {item.get_status_display()}."
        ]
        if item.summary:
            parts.append(item.summary)
        parts.append(f"Source: {item.source_url}")
        return escape(" ".join(parts))

    def item_link(self, item: FederalAction) -> str:
        return item.source_url

    def item_guid(self, item: FederalAction) -> str:
        return f"tag:sanctuary-compliance,2025:federal-action:{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: FederalAction) -> datetime:
        return item.created_at

    def item_updateddate(self, item: FederalAction) -> datetime:
        return item.updated_at

    def item_author_name(self, item: FederalAction) -> str:
        return item.issuing_body
