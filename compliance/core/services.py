"""Generic write helpers shared by the services of every app."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models

M = TypeVar("M", bound=models.Model)


def model_update(*, instance: M, fields: Iterable[str], data: Mapping[str, Any]) -> M:
    """Set ``data`` on a saved ``instance``, validate it whole and save it.

    Only names in ``fields`` may change (any other is refused as a field error, nothing
    written). Many-to-many fields in ``data`` replace their sets after the row is saved.
    """
    allowed = set(fields)
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationError({name: "This field cannot be changed." for name in unknown})
    related: dict[str, Any] = {}
    for name, value in data.items():
        if instance._meta.get_field(name).many_to_many:
            related[name] = value
        else:
            setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    for name, value in related.items():
        getattr(instance, name).set(list(value))
    return instance


def model_create(*, instance: M) -> M:
    """Validate a new ``instance`` whole and save it."""
    instance.full_clean()
    instance.save()
    return instance


def model_delete(*, instance: models.Model) -> None:
    """Delete ``instance`` (its delete signals run, as on every path)."""
    instance.delete()
