"""Admin for jurisdictions, officials and stance periods: fit for daily data entry.

Every save goes through services (``ServiceAdminMixin``). The compliance app extends these
admins with its "recompute now" actions by re-registering subclasses.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from compliance.core.admin import ServiceAdminMixin

from .models import PIPELINE_COLUMNS, RISK_COLUMNS, Jurisdiction, Official, PolicyStance
from .services import policy_stance_create


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


class JurisdictionAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
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
    readonly_fields = (
        *RISK_COLUMNS, *PIPELINE_COLUMNS, "stance", "stance_since", "created_at", "updated_at",
    )  # fmt: skip
    inlines = (OfficialInline, PolicyStanceInline)
    list_per_page = 100
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("name", "slug", "kind", "state", "parent")}),
        ("Identifiers", {"fields": ("fips", "county_fips", "ocd_id")}),
        ("Population", {"fields": ("population", "population_year")}),
        ("Source", {"fields": ("source_url", "notes", "figures_note")}),
        ("Current stance (from the stance timeline)", {"fields": ("stance", "stance_since")}),
        ("Funding at risk (computed)", {"fields": (*RISK_COLUMNS, *PIPELINE_COLUMNS)}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )


class OfficialAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    list_display = ("name", "role", "title", "jurisdiction", "term_start", "term_end")
    list_filter = ("role", "jurisdiction__state")
    search_fields = ("name", "title", "jurisdiction__name")
    autocomplete_fields = ("jurisdiction",)
    list_select_related = ("jurisdiction",)
    date_hierarchy = "term_start"
    readonly_fields = ("created_at", "updated_at")


class PolicyStanceAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    list_display = ("jurisdiction", "code", "effective_from", "effective_to", "basis")
    list_filter = ("code", "basis", "date_precision", "jurisdiction__state")
    search_fields = ("jurisdiction__name", "description")
    autocomplete_fields = ("jurisdiction",)
    list_select_related = ("jurisdiction",)
    date_hierarchy = "effective_from"
    readonly_fields = ("created_at", "updated_at")

    def create_record(self, request: HttpRequest, obj: Any, relations: Any = None) -> None:
        policy_stance_create(stance=obj)


admin.site.register(Jurisdiction, JurisdictionAdmin)
admin.site.register(Official, OfficialAdmin)
admin.site.register(PolicyStance, PolicyStanceAdmin)
