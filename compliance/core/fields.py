"""Serializer fields shared by the apps' APIs."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers


class SlugRelatedField(serializers.SlugRelatedField):
    """A related record by its slug (or other unique text), refusing what no slug can be before
    it reaches the database: a value that is not text, or that holds a NUL character."""

    default_error_messages = {
        **serializers.SlugRelatedField.default_error_messages,
        "null_characters": "Null characters are not allowed.",
    }

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid")
        if "\x00" in data:
            self.fail("null_characters")
        return super().to_internal_value(data)


# The largest value of a PostgreSQL bigint: a larger id can name no record.
MAX_ID = 2**63 - 1


class PrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related record by its id: a whole number (``1.5``, ``true`` or ``1e400`` are refused,
    not rounded or overflowed)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if isinstance(data, str):
            if not data.isdigit():
                self.fail("incorrect_type", data_type="str")
            data = int(data)
        if not 0 < data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class SlugListField(serializers.Field):
    """A list of related records by slug (or other unique text), read in one query whatever
    its length, at most ``max_items`` of them; unknown slugs are named in the error. Writes
    give the records (duplicates dropped, first seen first); reads give the slugs."""

    default_error_messages = {
        "not_a_list": "Expected a list of {noun}s.",
        "too_many": "At most {max_items} {noun}s.",
        "invalid": "Each {noun} must be text without NUL characters.",
        "does_not_exist": "No {model} has the {noun} {values}.",
    }

    def __init__(
        self, *, queryset: Any, slug_field: str, noun: str, max_items: int, **kwargs: Any
    ) -> None:
        self.queryset = queryset
        self.slug_field = slug_field
        self.noun = noun
        self.max_items = max_items
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> list[Any]:
        if not isinstance(data, list):
            self.fail("not_a_list", noun=self.noun)
        if len(data) > self.max_items:
            self.fail("too_many", max_items=f"{self.max_items:,}", noun=self.noun)
        if not all(isinstance(value, str) and "\x00" not in value for value in data):
            self.fail("invalid", noun=self.noun)
        wanted = list(dict.fromkeys(data))
        found = {
            getattr(record, self.slug_field): record
            for record in self.queryset.filter(**{f"{self.slug_field}__in": wanted})
        }
        missing = [value for value in wanted if value not in found]
        if missing:
            shown = ", ".join(f"'{value[:60]}'" for value in missing[:5])
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            self.fail(
                "does_not_exist",
                model=self.queryset.model._meta.verbose_name,
                noun=self.noun,
                values=shown + more,
            )
        return [found[value] for value in wanted]

    def to_representation(self, value: Any) -> list[str]:
        return [getattr(record, self.slug_field) for record in value.all()]


class SlugListFieldSchema(OpenApiSerializerFieldExtension):
    """The OpenAPI schema of a SlugListField: an array of strings, at most ``max_items``."""

    target_class = SlugListField

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        field = self.target
        return {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "maxItems": field.max_items,
        }
