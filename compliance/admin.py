"""Admin for statements, federal actions and the risk history; CSV import of statements."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from grants.admin import CsvImportAdminMixin
from jurisdictions.admin import recompute_affected, recompute_jurisdictions

from .models import FederalAction, RiskAssessment, Statement
from .selectors import jurisdiction_ids_reached_by_action
from .services import STATEMENT_CSV_OPTIONAL, STATEMENT_CSV_REQUIRED, statement_import_csv


@admin.register(Statement)
class StatementAdmin(CsvImportAdminMixin, SimpleHistoryAdmin):
    list_display = ("said_on", "speaker", "jurisdiction", "position", "short_quote")
    list_filter = ("position", "date_precision", "jurisdiction__state")
    search_fields = ("quote", "context", "speaker", "jurisdiction__name")
    autocomplete_fields = ("jurisdiction", "official")
    list_select_related = ("jurisdiction",)
    date_hierarchy = "said_on"
    readonly_fields = ("created_at", "updated_at")
    change_list_template = "admin/compliance/statement/change_list.html"
    import_service = statement_import_csv
    actions = (recompute_affected,)
    import_columns = (*STATEMENT_CSV_REQUIRED, *STATEMENT_CSV_OPTIONAL)
    fields = (
        "jurisdiction",
        "official",
        "speaker",
        "speaker_role",
        "said_on",
        "date_precision",
        "quote",
        "context",
        "position",
        "source_url",
        "created_at",
        "updated_at",
    )

    @admin.display(description="Quote")
    def short_quote(self, obj: Statement) -> str:
        return obj.quote if len(obj.quote) <= 90 else obj.quote[:87] + "..."


@admin.register(FederalAction)
class FederalActionAdmin(SimpleHistoryAdmin):
    list_display = ("issued_on", "title", "kind", "effect", "status", "targets_all_sanctuary")
    list_filter = ("kind", "effect", "status", "targets_all_sanctuary", "covers_all_programs")
    search_fields = ("title", "summary", "issuing_body")
    autocomplete_fields = ("targets", "programs")
    date_hierarchy = "issued_on"
    readonly_fields = ("created_at", "updated_at")
    actions = ("recompute_reached",)
    fieldsets = (
        (
            None,
            {"fields": ("kind", "issuing_body", "title", "issued_on", "date_precision", "summary")},
        ),
        ("Effect on funding", {"fields": ("effect", "effect_rationale", "status", "status_since")}),
        (
            "Reach",
            {
                "fields": (
                    "targets",
                    "targets_all_sanctuary",
                    "programs",
                    "covers_all_programs",
                    "programs_text",
                )
            },
        ),
        ("Source", {"fields": ("source_url", "notes", "created_at", "updated_at")}),
    )

    @admin.action(description="Recompute every jurisdiction these actions reach now")
    def recompute_reached(self, request: HttpRequest, queryset: QuerySet[FederalAction]) -> None:
        ids: set[int] = set()
        for action in queryset.prefetch_related("targets"):
            ids.update(jurisdiction_ids_reached_by_action(action=action))
        recompute_jurisdictions(request, self, ids)


@admin.register(RiskAssessment)
class RiskAssessmentAdmin(admin.ModelAdmin):
    list_display = (
        "jurisdiction",
        "computed_at",
        "funding_at_risk_usd",
        "max_at_risk_usd",
        "exposure_usd",
        "score",
        "level",
        "method_version",
    )
    list_filter = ("level", "method_version")
    search_fields = ("jurisdiction__name",)
    list_select_related = ("jurisdiction",)
    date_hierarchy = "computed_at"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[RiskAssessment]:
        return super().get_queryset(request).defer("programs", "drivers")
