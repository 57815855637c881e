"""Admin for jurisdictions, officials and stance periods: fit for daily data entry."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from .models import Jurisdiction, Official, PolicyStance


def recompute_jurisdictions(
    request: HttpRequest, model_admin: admin.ModelAdmin, jurisdiction_ids: Iterable[int]
) -> None:
    """Recompute the given jurisdictions in this request and report what changed."""
    from compliance.services import risk_assessments_record_many

    ids = sorted(set(jurisdiction_ids))
    summary = risk_assessments_record_many(jurisdiction_ids=ids)
    model_admin.message_user(
        request,
        f"Recomputed {summary.computed} jurisdiction(s); "
        f"{summary.history_rows} new assessment(s) in their history.",
    )


def recompute_affected(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet
) -> None:
    """Admin action for records that belong to one jurisdiction each."""
    recompute_jurisdictions(
        request, model_admin, queryset.values_list("jurisdiction_id", flat=True)
    )


recompute_affected.short_description = (  # type: ignore[attr-defined]
    "Recompute the jurisdictions of the selected records now"
)


RISK_FIELDS = (
    "exposure_usd",
    "max_at_risk_usd",
    "funding_at_risk_usd",
    "risk_score",
    "risk_level",
    "risk_computed_at",
    "risk_stale",
    "risk_generation",
)


class OfficialInline(admin.TabularInline):
    model = Official
    extra = 0
    fields = ("name", "role", "title", "term_start", "term_end", "source_url")
    show_change_link = True


class PolicyStanceInline(admin.TabularInline):
    model = PolicyStance
    extra = 0
    fields = ("code", "effective_from", "effective_to", "date_precision", "basis", "source_url")
    ordering = ("effective_from",)
    show_change_link = True


@admin.register(Jurisdiction)
class JurisdictionAdmin(SimpleHistoryAdmin):
    list_display = (
        "name",
        "kind",
        "state",
        "stance",
        "funding_at_risk_usd",
        "risk_level",
        "risk_stale",
    )
    list_filter = ("kind", "state", "stance", "risk_level", "risk_stale")
    search_fields = ("name", "slug", "fips", "ocd_id")
    ordering = ("name",)
    autocomplete_fields = ("parent",)
    readonly_fields = (*RISK_FIELDS, "stance", "stance_since", "created_at", "updated_at")
    inlines = (OfficialInline, PolicyStanceInline)
    list_per_page = 100
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("name", "slug", "kind", "state", "parent")}),
        ("Identifiers", {"fields": ("fips", "county_fips", "ocd_id")}),
        ("Population", {"fields": ("population", "population_year")}),
        ("Source", {"fields": ("source_url", "notes")}),
        ("Current stance (from the stance timeline)", {"fields": ("stance", "stance_since")}),
        ("Funding at risk (computed)", {"fields": RISK_FIELDS}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )
    actions = ("recompute_now",)

    @admin.action(description="Recompute funding at risk now", permissions=["view"])
    def recompute_now(self, request: HttpRequest, queryset: QuerySet[Jurisdiction]) -> None:
        recompute_jurisdictions(request, self, queryset.values_list("pk", flat=True))


@admin.register(Official)
class OfficialAdmin(SimpleHistoryAdmin):
    actions = (recompute_affected,)
    list_display = ("name", "role", "title", "jurisdiction", "term_start", "term_end")
    list_filter = ("role", "jurisdiction__state")
    search_fields = ("name", "title", "jurisdiction__name")
    autocomplete_fields = ("jurisdiction",)
    list_select_related = ("jurisdiction",)
    date_hierarchy = "term_start"
    readonly_fields = ("created_at", "updated_at")


@admin.register(PolicyStance)
class PolicyStanceAdmin(SimpleHistoryAdmin):
    actions = (recompute_affected,)
    list_display = ("jurisdiction", "code", "effective_from", "effective_to", "basis")
    list_filter = ("code", "basis", "date_precision", "jurisdiction__state")
    search_fields = ("jurisdiction__name", "description")
    autocomplete_fields = ("jurisdiction",)
    list_select_related = ("jurisdiction",)
    date_hierarchy = "effective_from"
    readonly_fields = ("created_at", "updated_at")
