"""Admin for grant programs and awards, with a CSV import of awards."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from simple_history.admin import SimpleHistoryAdmin

from jurisdictions.admin import recompute_affected

from .models import GrantAward, GrantProgram
from .services import AWARD_CSV_OPTIONAL, AWARD_CSV_REQUIRED, award_import_csv


class CsvImportForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="UTF-8, with a header row.")


class CsvImportAdminMixin:
    """An "Import CSV" page for a ModelAdmin: the upload goes to ``import_service``.

    The service validates every line first and writes all rows or none; its per-line errors
    are shown on the page.
    """

    import_service: Callable[..., Any]
    import_columns: tuple[str, ...] = ()

    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta  # type: ignore[attr-defined]
        view = self.admin_site.admin_view(self.import_csv)  # type: ignore[attr-defined]
        name = f"{opts.app_label}_{opts.model_name}_import_csv"
        return [path("import-csv/", view, name=name), *super().get_urls()]  # type: ignore[misc]

    def import_csv(self, request: HttpRequest) -> HttpResponse:
        opts = self.model._meta  # type: ignore[attr-defined]
        if not self.has_add_permission(request):  # type: ignore[attr-defined]
            return HttpResponse(status=403)
        form = CsvImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            result = type(self).import_service(file=form.cleaned_data["file"], user=request.user)
            if result.errors:
                for error in result.errors[:50]:
                    messages.error(request, f"Line {error.line}, {error.field}: {error.message}")
            else:
                messages.success(request, f"Imported {result.created} {opts.verbose_name_plural}.")
                changelist = f"admin:{opts.app_label}_{opts.model_name}_changelist"
                return HttpResponseRedirect(reverse(changelist))
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "title": f"Import {opts.verbose_name_plural} from CSV",
            "form": form,
            "opts": opts,
            "columns": ", ".join(self.import_columns),
        }
        return render(request, "admin/csv_import.html", context)


@admin.register(GrantProgram)
class GrantProgramAdmin(SimpleHistoryAdmin):
    list_display = ("aln", "short_name", "name", "agency", "conditions_attach")
    list_filter = ("agency", "conditions_attach")
    search_fields = ("aln", "name", "short_name")
    readonly_fields = ("created_at", "updated_at")


@admin.register(GrantAward)
class GrantAwardAdmin(CsvImportAdminMixin, SimpleHistoryAdmin):
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
    import_service = award_import_csv
    actions = (recompute_affected,)
    import_columns = (*AWARD_CSV_REQUIRED, *AWARD_CSV_OPTIONAL)
