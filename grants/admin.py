"""Admin for grant programs and awards, with a CSV import of awards, and the read-only records
of the USAspending import (files read, transactions kept).

Every save goes through services (``ServiceAdminMixin``). The compliance app extends the award
admin with its "recompute now" action and the data report by re-registering a subclass.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from compliance.core.admin import CsvImportAdminMixin, ServiceAdminMixin

from .models import (
    GrantAward,
    GrantAwardShare,
    GrantProgram,
    UsaspendingFile,
    UsaspendingTransaction,
)
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


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records only the import writes: shown, never edited here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class UsaspendingFileAdmin(ReadOnlyAdmin):
    """Provenance of the USAspending import: every file read, when, by whom, and what it gave."""

    list_display = ("imported_at", "file_name", "member_name", "record", "rows_read",
                    "rows_used", "rows_unmatched", "rows_skipped", "figures_changed")  # fmt: skip
    list_filter = ("record",)
    search_fields = ("file_name", "member_name", "sha256")
    date_hierarchy = "imported_at"


class UsaspendingTransactionAdmin(ReadOnlyAdmin):
    """The transactions the figures derive from; an empty jurisdiction marks an unmatched
    recipient."""

    list_display = ("key", "record", "jurisdiction", "recipient_name", "recipient_state", "aln",
                    "fiscal_year", "action_date", "dollars")  # fmt: skip
    list_filter = ("record", "fiscal_year", "aln", ("jurisdiction", admin.EmptyFieldListFilter))
    search_fields = ("key", "award_key", "fain", "recipient_name", "recipient_uei")
    list_select_related = ("jurisdiction",)
    show_full_result_count = False

    @admin.display(description="Obligation ($)", ordering="obligation_cents")
    def dollars(self, obj: UsaspendingTransaction) -> str:
        return f"{obj.obligation_cents / 100:,.2f}"


admin.site.register(GrantProgram, GrantProgramAdmin)
admin.site.register(UsaspendingFile, UsaspendingFileAdmin)
admin.site.register(UsaspendingTransaction, UsaspendingTransactionAdmin)
admin.site.register(GrantAward, GrantAwardAdmin)
