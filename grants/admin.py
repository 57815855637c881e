"""Admin for grant programs and awards, with a CSV import of awards.

Every save goes through services (``ServiceAdminMixin``). The compliance app extends the award
admin with its "recompute now" action by re-registering a subclass.
"""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from compliance.core.admin import CsvImportAdminMixin, ServiceAdminMixin

from .models import GrantAward, GrantAwardShare, GrantProgram
from .services import AWARD_CSV_OPTIONAL, AWARD_CSV_REQUIRED, award_import_csv


class GrantProgramAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    list_display = ("aln", "short_name", "name", "agency", "conditions_attach")
    list_filter = ("agency", "conditions_attach")
    search_fields = ("aln", "name", "short_name")
    readonly_fields = ("created_at", "updated_at")


class GrantAwardShareInline(admin.TabularInline):
    model = GrantAwardShare
    extra = 0
    fields = ("jurisdiction", "amount_usd", "source_url", "notes")
    autocomplete_fields = ("jurisdiction",)


class GrantAwardAdmin(CsvImportAdminMixin, ServiceAdminMixin, SimpleHistoryAdmin):
    list_display = (
        "jurisdiction",
        "program_label",
        "program",
        "fiscal_year",
        "amount_usd",
        "figure_kind",
        "approximate",
    )
    list_filter = ("fiscal_year", "figure_kind", "approximate", "program")
    inlines = (GrantAwardShareInline,)
    search_fields = ("jurisdiction__name", "program_label", "award_id")
    autocomplete_fields = ("jurisdiction", "program")
    list_select_related = ("jurisdiction", "program")
    readonly_fields = ("created_at", "updated_at")
    change_list_template = "admin/grants/grantaward/change_list.html"
    import_service = award_import_csv
    import_columns = (*AWARD_CSV_REQUIRED, *AWARD_CSV_OPTIONAL)


admin.site.register(GrantProgram, GrantProgramAdmin)
admin.site.register(GrantAward, GrantAwardAdmin)
