"""Admin for grant programs and awards, with a CSV import of awards."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from simple_history.admin import SimpleHistoryAdmin

from .models import GrantAward, GrantProgram


class CsvImportForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="UTF-8, with a header row.")


@admin.register(GrantProgram)
class GrantProgramAdmin(SimpleHistoryAdmin):
    list_display = ("aln", "short_name", "name", "agency", "conditions_attach")
    list_filter = ("agency", "conditions_attach")
    search_fields = ("aln", "name", "short_name")
    readonly_fields = ("created_at", "updated_at")


@admin.register(GrantAward)
class GrantAwardAdmin(SimpleHistoryAdmin):
    list_display = (
        "jurisdiction",
        "program_label",
        "program",
        "fiscal_year",
        "amount_usd",
        "amount_type",
        "is_approximate",
    )
    list_filter = ("fiscal_year", "amount_type", "is_approximate", "program")
    search_fields = ("jurisdiction__name", "program_label", "award_id")
    autocomplete_fields = ("jurisdiction", "program")
    list_select_related = ("jurisdiction", "program")
    readonly_fields = ("created_at", "updated_at")
    change_list_template = "admin/grants/grantaward/change_list.html"

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "import-csv/",
                self.admin_site.admin_view(self.import_csv),
                name="grants_grantaward_import_csv",
            )
        ]
        return extra + super().get_urls()

    def import_csv(self, request: HttpRequest) -> HttpResponse:
        from .services import award_import_csv

        if not self.has_add_permission(request):
            return HttpResponse(status=403)
        form = CsvImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            result = award_import_csv(file=form.cleaned_data["file"], user=request.user)
            if result.errors:
                for error in result.errors[:20]:
                    messages.error(request, str(error))
            else:
                messages.success(request, f"Imported {result.created} award(s).")
                return HttpResponseRedirect(reverse("admin:grants_grantaward_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Import grant awards from CSV",
            "form": form,
            "opts": self.model._meta,
            "columns": "jurisdiction (slug), assistance_listing, program_label, fiscal_year, "
            "amount_usd, amount_type, approximate, award_id, notes, source_url",
        }
        return render(request, "admin/csv_import.html", context)
