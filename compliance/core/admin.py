"""Admin building blocks of any app: saves and deletes through services, and an "Import CSV"
page for a ModelAdmin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse

from .services import model_create, model_delete, model_update


class ServiceAdminMixin:
    """Every write of a ModelAdmin goes through services, and only for users who may make it.

    The change form, a history revert, inline formsets, the delete view and the bulk delete
    action all call ``create_record``/``update_record``/``delete_record``; subclasses point
    them at their model's services (the defaults validate the whole record and save it).
    Many-to-many fields go through the same calls. An update writes only the fields whose
    submitted value differs from the stored row, so a revert cannot restore derived columns
    (the history does not keep them) or bypass stale-marking. Posting the history form (a
    revert) needs the change permission, not just the view permission.
    """

    def create_record(
        self, request: HttpRequest, obj: Model, relations: dict[str, Any] | None = None
    ) -> None:
        model_create(instance=obj, relations=relations)

    def update_record(self, request: HttpRequest, obj: Model, data: dict[str, Any]) -> None:
        model_update(instance=obj, fields=data, data=data)

    def delete_record(self, request: HttpRequest, obj: Model) -> None:
        model_delete(instance=obj)

    @staticmethod
    def changed_values(obj: Model, names: Any) -> dict[str, Any]:
        """The values of the named concrete fields (many-to-many go with the form)."""
        concrete = {f.name for f in obj._meta.concrete_fields}
        return {name: getattr(obj, name) for name in names if name in concrete}

    def _form_values(self, obj: Model, form: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """The form's concrete field values (as set on ``obj``) and many-to-many sets."""
        concrete, related = {}, {}
        for field in obj._meta.get_fields():
            if field.name not in form.cleaned_data or field.name not in form.fields:
                continue
            if getattr(field, "many_to_many", False) and not field.auto_created:
                related[field.name] = list(form.cleaned_data[field.name])
            elif getattr(field, "concrete", False):
                concrete[field.name] = getattr(obj, field.name)
        return concrete, related

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        concrete, related = self._form_values(obj, form)
        if change:
            stored = type(obj)._default_manager.get(pk=obj.pk)
            attnames = {f.name: f.attname for f in obj._meta.concrete_fields}
            data = {
                name: value
                for name, value in concrete.items()
                if getattr(stored, attnames[name]) != getattr(obj, attnames[name])
            }
            data.update(
                {
                    name: values
                    for name, values in related.items()
                    if {v.pk for v in values}
                    != set(getattr(stored, name).values_list("pk", flat=True))
                }
            )
            if data:
                self.update_record(request, stored, data)
        else:
            self.create_record(request, obj, related)
        form.save_m2m = lambda: None  # the relations went through the services above

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        self.delete_record(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset.order_by("pk"):
            self.delete_record(request, obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Inline rows through the services of their own model's admin, or the generic ones
        (whole-record validation) when it has none; their many-to-many fields too."""
        related = self.admin_site._registry.get(formset.model)  # type: ignore[attr-defined]
        services = related if isinstance(related, ServiceAdminMixin) else ServiceAdminMixin()
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            services.delete_record(request, obj)
        changed = {id(obj): names for obj, names in formset.changed_objects}
        m2m = {
            id(inline.instance): {
                name: list(inline.cleaned_data[name])
                for name in inline.fields
                if name in inline.cleaned_data
                and getattr(inline.instance._meta.get_field(name), "many_to_many", False)
            }
            for inline in formset.forms
            if hasattr(inline, "cleaned_data")
        }
        for obj in instances:
            relations = m2m.get(id(obj), {})
            if obj.pk is None:
                services.create_record(request, obj, relations)
            else:
                data = self.changed_values(obj, changed.get(id(obj), ()))
                services.update_record(request, obj, {**data, **relations})

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        """A revert (POST) needs the change permission on the record, like any edit."""
        if request.method == "POST":
            obj = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
            if obj is None or not self.has_change_permission(request, obj):  # type: ignore[attr-defined]
                raise PermissionDenied
        return super().history_form_view(  # type: ignore[misc]
            request, object_id, version_id, extra_context=extra_context
        )


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
