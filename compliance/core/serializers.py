"""Serializer building blocks shared by the API's writes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers


class StrictFieldsMixin(serializers.Serializer):
    """Refuse a body field the serializer does not take (a mistyped field must not be
    silently dropped), naming the fields it does take, and a value of another JSON type than
    the schema gives. Read-only fields count as unknown: they cannot be written."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            self._refuse_unknown(data)
            self._refuse_wrong_types(data)
        return super().to_internal_value(data)

    def _refuse_unknown(self, data: Mapping) -> None:
        writable = {name for name, field in self.fields.items() if not field.read_only}
        unknown = sorted(str(key) for key in data if key not in writable)
        if unknown:
            valid = ", ".join(sorted(writable))
            raise serializers.ValidationError(
                {name[:60]: [f"Unknown field; this record takes: {valid}."]
                 for name in unknown[:10]}
            )  # fmt: skip

    def _refuse_wrong_types(self, data: Mapping) -> None:
        """JSON types as the schema gives them: DRF would read ``0`` as the text "0", ``"1"``
        as a number and ``"true"`` as a yes."""
        errors = {}
        for name, value in data.items():
            field = self.fields.get(name)
            if field is None or value is None:
                continue
            expected = _json_type(field)
            if expected is not None and not _is_json_type(value, expected):
                errors[name] = [f"Give {expected}."]
        if errors:
            raise serializers.ValidationError(errors)


def _json_type(field: serializers.Field) -> str | None:
    if isinstance(field, serializers.BooleanField):
        return "true or false"
    if isinstance(field, serializers.IntegerField):
        return "a whole number"
    if isinstance(field, serializers.CharField | serializers.ChoiceField):
        return "a string"
    return None


def _is_json_type(value: Any, expected: str) -> bool:
    if expected == "true or false":
        return isinstance(value, bool)
    if expected == "a whole number":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, str)
