"""Admin of the compliance domain: statements, federal actions and the risk history, with a CSV
import of statements; and the reference apps' admins extended with "recompute now" actions.

Every save goes through the services (``ServiceAdminMixin``), so the admin validates, marks
stale and records history exactly as the API and the import do.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from simple_history.admin import SimpleHistoryAdmin

from compliance.core.admin import CsvImportAdminMixin, ServiceAdminMixin
from grants.admin import GrantAwardAdmin
from grants.models import GrantAward
from jurisdictions.admin import JurisdictionAdmin, OfficialAdmin, PolicyStanceAdmin
from jurisdictions.models import Jurisdiction, Official, PolicyStance

from .models import ActionBlock, FederalAction, FederalActionStatus, RiskAssessment, Statement
from .selectors.data_report import data_report_read
from .selectors.reach import jurisdiction_ids_reached_by_action
from .services import records
from .tasks import recompute_enqueue

RECOMPUTE_PERMISSION = "compliance.recompute_riskassessment"


class RecomputeActionMixin:
    """The "recompute now" actions: only for users holding the ``recompute`` permission
    (editors), and they queue the recompute rather than run it inside the request."""

    def has_recompute_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(RECOMPUTE_PERMISSION)

    def recompute_jurisdictions(
        self, request: HttpRequest, jurisdiction_ids: Iterable[int]
    ) -> None:
        ids = sorted(set(jurisdiction_ids))
        queued = recompute_enqueue(jurisdiction_ids=ids)
        self.message_user(  # type: ignore[attr-defined]
            request,
            f"Queued the recompute of {queued} of {len(ids)} jurisdiction(s); the others were "
            "already waiting for one. Figures update as soon as the workers finish.",
        )

    @admin.action(
        description="Recompute the jurisdictions of the selected records now",
        permissions=["recompute"],
    )
    def recompute_affected(self, request: HttpRequest, queryset: QuerySet) -> None:
        """For records that belong to one jurisdiction each."""
        self.recompute_jurisdictions(request, queryset.values_list("jurisdiction_id", flat=True))


@admin.register(Statement)
class StatementAdmin(
    RecomputeActionMixin, CsvImportAdminMixin, ServiceAdminMixin, SimpleHistoryAdmin
):
    list_display = ("said_on", "speaker", "jurisdiction", "position", "short_quote")
    list_filter = ("position", "date_precision", "jurisdiction__state")
    search_fields = ("quote", "context", "speaker", "jurisdiction__name")
    autocomplete_fields = ("jurisdiction", "official")
    list_select_related = ("jurisdiction",)
    date_hierarchy = "said_on"
    readonly_fields = ("created_at", "updated_at")
    change_list_template = "admin/compliance/statement/change_list.html"
    import_service = records.statement_import_csv
    actions = ("recompute_affected",)
    import_columns = (*records.STATEMENT_CSV_REQUIRED, *records.STATEMENT_CSV_OPTIONAL)
    fields = (*records.STATEMENT_FIELDS, "created_at", "updated_at")

    @admin.display(description="Quote")
    def short_quote(self, obj: Statement) -> str:
        return obj.quote if len(obj.quote) <= 90 else obj.quote[:87] + "..."

    def create_record(self, request: HttpRequest, obj: Any, relations: Any = None) -> None:
        records.statement_create(statement=obj)

    def update_record(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> None:
        records.statement_update(statement=obj, data=data)

    def delete_record(self, request: HttpRequest, obj: Any) -> None:
        records.statement_delete(statement=obj)


class StatusChangeInline(admin.TabularInline):
    """The action's status history: each change from a date, or from the ruling that made it
    (its date and source then come from that record)."""

    model = FederalActionStatus
    fk_name = "action"
    extra = 0
    fields = ("status", "effective_from", "date_precision", "listed_only", "caused_by",
              "source_url", "notes")  # fmt: skip
    autocomplete_fields = ("caused_by",)


class BlockInline(admin.TabularInline):
    """For an injunction or rescission: the actions it blocks, and on which programs."""

    model = ActionBlock
    fk_name = "protector"
    extra = 0
    fields = ("blocked", "programs", "notes")
    autocomplete_fields = ("blocked", "programs")


@admin.register(FederalAction)
class FederalActionAdmin(RecomputeActionMixin, ServiceAdminMixin, SimpleHistoryAdmin):
    list_display = ("issued_on", "title", "kind", "effect", "status", "targets_all_sanctuary")
    list_filter = ("kind", "effect", "status", "targets_all_sanctuary", "covers_all_programs")
    search_fields = ("title", "summary", "issuing_body")
    autocomplete_fields = ("targets", "programs")
    date_hierarchy = "issued_on"
    readonly_fields = ("status", "created_at", "updated_at")
    actions = ("recompute_reached",)
    inlines = (StatusChangeInline, BlockInline)
    fieldsets = (
        (
            None,
            {"fields": ("kind", "issuing_body", "title", "issued_on", "date_precision", "summary")},
        ),
        ("Effect on funding", {"fields": ("effect", "effect_rationale", "status")}),
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

    def create_record(self, request: HttpRequest, obj: Any, relations: Any = None) -> None:
        records.federal_action_create(action=obj, **(relations or {}))

    def update_record(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> None:
        records.federal_action_update(action=obj, data=data)

    def delete_record(self, request: HttpRequest, obj: Any) -> None:
        records.federal_action_delete(action=obj)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The inlines (status history, blocks), then the status in force today."""
        super().save_related(request, form, formsets, change)
        records.federal_action_status_refresh(action=form.instance)

    @admin.action(
        description="Recompute every jurisdiction these actions reach now",
        permissions=["recompute"],
    )
    def recompute_reached(self, request: HttpRequest, queryset: QuerySet[FederalAction]) -> None:
        ids: set[int] = set()
        for action in queryset:
            ids.update(jurisdiction_ids_reached_by_action(action=action))
        self.recompute_jurisdictions(request, ids)


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


# --- The reference apps' admins, extended with "recompute now" -------------------------------


class JurisdictionRiskAdmin(RecomputeActionMixin, JurisdictionAdmin):
    actions = ("recompute_now",)

    @admin.action(description="Recompute funding at risk now", permissions=["recompute"])
    def recompute_now(self, request: HttpRequest, queryset: QuerySet[Jurisdiction]) -> None:
        self.recompute_jurisdictions(request, queryset.values_list("pk", flat=True))


class OfficialRiskAdmin(RecomputeActionMixin, OfficialAdmin):
    actions = ("recompute_affected",)


class PolicyStanceRiskAdmin(RecomputeActionMixin, PolicyStanceAdmin):
    actions = ("recompute_affected",)


class GrantAwardRiskAdmin(RecomputeActionMixin, GrantAwardAdmin):
    """Awards with "recompute now", and the data report page (linked from the admin index):
    for anyone who may view awards."""

    actions = ("recompute_affected",)
    data_report_limit = 100

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.data_report_view)
        return [
            path("data-report/", view, name="grants_grantaward_data_report"),
            *super().get_urls(),
        ]

    def data_report_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        report = data_report_read(limit=self.data_report_limit)
        share = report.approximate_exposure.share
        context = {
            **self.admin_site.each_context(request),
            "title": "Data report",
            "report": report,
            "limit": self.data_report_limit,
            "share_percent": "" if share is None else f"{share:.1%}",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/data_report.html", context)


for model, model_admin in (
    (Jurisdiction, JurisdictionRiskAdmin),
    (Official, OfficialRiskAdmin),
    (PolicyStance, PolicyStanceRiskAdmin),
    (GrantAward, GrantAwardRiskAdmin),
):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
