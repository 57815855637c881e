"""Filter building blocks shared by every FilterSet: strict choices that name what is allowed,
comma-separated choice lists, ordering with a stable tie-break, and ``updated_since``."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from drf_spectacular.utils import extend_schema_field

from .dates import EARLIEST, LATEST


def allowed_message(values: Iterable[str]) -> str:
    return "'%(value)s' is not allowed; use one of: " + ", ".join(values) + "."


def _values(choices: Sequence[tuple[str, str]] | Sequence[str]) -> list[str]:
    return [c[0] if isinstance(c, tuple | list) else c for c in choices]


class StrictChoiceFilter(django_filters.ChoiceFilter):
    """A choice filter whose error lists the allowed values."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        values = _values(kwargs.get("choices", ()))
        kwargs.setdefault("error_messages", {"invalid_choice": allowed_message(values)})
        super().__init__(*args, **kwargs)


class ChoiceListFilter(django_filters.BaseCSVFilter, django_filters.ChoiceFilter):
    """Comma-separated values, each one checked against the choices (``a,b,c``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        values = _values(kwargs.get("choices", ()))
        kwargs.setdefault("error_messages", {"invalid_choice": allowed_message(values)})
        super().__init__(*args, **kwargs)


class StableOrderingFilter(django_filters.OrderingFilter):
    """``ordering=field`` or ``-field`` (comma-separated), with a unique tie-break last so
    pages never overlap; unknown fields are a 400 naming the allowed ones."""

    def __init__(self, *args: Any, tie_break: Sequence[str] = ("pk",), **kwargs: Any) -> None:
        self.tie_break = tuple(tie_break)
        super().__init__(*args, **kwargs)
        allowed = [value for value, _ in self.build_choices(self.param_map, {})]
        self.extra["error_messages"] = {"invalid_choice": allowed_message(allowed)}

    def filter(self, qs: QuerySet, value: list[str] | None) -> QuerySet:
        if not value:
            return qs
        ordering = [self.get_ordering_value(param) for param in value if param]
        return qs.order_by(*ordering, *self.tie_break)


class BoundedDateField(forms.DateField):
    def to_python(self, value: Any) -> dt.date | None:
        result = super().to_python(value)
        if result is not None and not EARLIEST <= result <= LATEST:
            raise forms.ValidationError(f"Use a date between {EARLIEST} and {LATEST}.")
        return result


class BoundedDateTimeField(forms.DateTimeField):
    def to_python(self, value: Any) -> dt.datetime | None:
        if isinstance(value, str):
            value = value.strip().replace(" ", "+") if "T" in value else value.strip()
        result = super().to_python(value)
        if result is None:
            return None
        if result.tzinfo is not None:
            # PostgreSQL refuses offsets beyond ±15:59 that Python accepts: send UTC.
            result = result.astimezone(dt.UTC)
        if not EARLIEST <= result.date() <= LATEST:
            raise forms.ValidationError(f"Use a date and time between {EARLIEST} and {LATEST}.")
        return result


class DateFilter(django_filters.DateFilter):
    """An ISO date (``YYYY-MM-DD``) within a sane range."""

    field_class = BoundedDateField


class DateTimeFilter(django_filters.DateTimeFilter):
    """An ISO 8601 date or date-time; a date alone means its midnight (UTC)."""

    field_class = BoundedDateTimeField


class BaseFilterSet(django_filters.FilterSet):
    """Every list accepts ``updated_since`` for incremental sync.

    Each request gets its own copy of the declared filters, as django-filter requires, but a
    shallow one: the filters' choice lists and messages are never changed, and deep-copying
    them took longer than the whole SQL of a list page.
    """

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet | None = None,
        *,
        request: Any = None,
        prefix: str | None = None,
    ) -> None:
        # django_filters.FilterSet.__init__ (26.x), with shallow copies of the filters.
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: _shallow_copy(f) for name, f in self.base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model = queryset.model
            filter_.parent = self

    updated_since = DateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label="Only records changed at or after this ISO 8601 date or date-time.",
    )


def _shallow_copy(filter_: django_filters.Filter) -> django_filters.Filter:
    clone = copy.copy(filter_)
    clone.extra = dict(filter_.extra)
    if clone.method is not None:
        clone.method = clone.method  # binds a new FilterMethod to the clone
    return clone


BIGINT_MAX = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": -BIGINT_MAX, "maximum": BIGINT_MAX})
class IntegerFilter(django_filters.NumberFilter):
    """A whole number within the database's bigint range."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", -BIGINT_MAX)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(*args, **kwargs)


class StrictBooleanField(forms.Field):
    """``true`` or ``false`` (also ``1``/``0``, any case); anything else is an error, not an
    ignored filter."""

    VALUES = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        found = self.VALUES.get(str(value).strip().lower())
        if found is None:
            raise forms.ValidationError(f"'{str(value)[:40]}' is not allowed; use true or false.")
        return found


class BooleanFilter(django_filters.BooleanFilter):
    """A yes/no filter that refuses values other than true and false."""

    field_class = StrictBooleanField
