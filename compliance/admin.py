"""Admin for statements, federal actions and the risk history; CSV import of statements."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from simple_history.admin import SimpleHistoryAdmin

from grants.admin import CsvImportForm

from .models import FederalAction, RiskAssessment, Statement


@admin.register(Statement)
class StatementAdmin(SimpleHistoryAdmin):
    list_display = ("said_on", "speaker", "jurisdiction", "position", "short_quote")
    list_filter = ("position", "date_precision", "jurisdiction__state")
    search_fields = ("quote", "context", "speaker", "jurisdiction__name")
    autocomplete_fields = ("jurisdiction", "official")
    list_select_related = ("jurisdiction",)
    date_hierarchy = "said_on"
    readonly_fields = ("created_at", "updated_at")
    change_list_template = "admin/compliance/statement/change_list.html"
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

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "import-csv/",
                self.admin_site.admin_view(self.import_csv),
                name="compliance_statement_import_csv",
            )
        ]
        return extra + super().get_urls()

    def import_csv(self, request: HttpRequest) -> HttpResponse:
        from .services import statement_import_csv

        if not self.has_add_permission(request):
            return HttpResponse(status=403)
        form = CsvImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            result = statement_import_csv(file=form.cleaned_data["file"], user=request.user)
            if result.errors:
                for error in result.errors[:20]:
                    messages.error(request, str(error))
            else:
                messages.success(request, f"Imported {result.created} statement(s).")
                return HttpResponseRedirect(reverse("admin:compliance_statement_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Import statements from CSV",
            "form": form,
            "opts": self.model._meta,
            "columns": "jurisdiction (slug), official, speaker, speaker_role, said_on, quote, "
            "context, position, source_url",
        }
        return render(request, "admin/csv_import.html", context)


@admin.register(FederalAction)
class FederalActionAdmin(SimpleHistoryAdmin):
    list_display = ("issued_on", "title", "kind", "effect", "status", "targets_all_sanctuary")
    list_filter = ("kind", "effect", "status", "targets_all_sanctuary", "covers_all_programs")
    search_fields = ("title", "summary", "issuing_body")
    autocomplete_fields = ("targets", "programs")
    date_hierarchy = "issued_on"
    readonly_fields = ("created_at", "updated_at")
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
