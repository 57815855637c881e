"""Generic write helpers shared by the services of every app."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404

M = TypeVar("M", bound=models.Model)


class RecordGone(Http404):
    """The record was deleted while this write waited for it (a 404 on every path)."""


def model_lock(*, instance: M) -> M:
    """The stored row of ``instance``, re-read and locked until the transaction ends, so a
    concurrent update or delete waits for this write instead of racing it (an update of a
    row deleted meanwhile can never become an insert). Raises :class:`RecordGone` when it no
    longer exists."""
    fresh = (
        type(instance)._base_manager.select_for_update(no_key=True).filter(pk=instance.pk).first()
    )
    if fresh is None:
        raise RecordGone(f"This {instance._meta.verbose_name} no longer exists.")
    return fresh


def _split(instance: models.Model, data: Mapping[str, Any]) -> tuple[dict, dict]:
    """``data`` as (concrete field values, many-to-many sets)."""
    concrete, related = {}, {}
    for name, value in data.items():
        if instance._meta.get_field(name).many_to_many:
            related[name] = value
        else:
            concrete[name] = value
    return concrete, related


def model_create(*, instance: M, relations: Mapping[str, Iterable[Any]] | None = None) -> M:
    """Validate a new ``instance`` whole, save it, then set its many-to-many ``relations``."""
    instance.full_clean()
    instance.save()
    for name, values in (relations or {}).items():
        getattr(instance, name).set(list(values))
    return instance


def model_update(*, instance: M, fields: Iterable[str], data: Mapping[str, Any]) -> M:
    """Set ``data`` on a saved ``instance``, validate it whole and save what changed.

    Only names in ``fields`` may change (any other is refused as a field error, nothing
    written). Only the given columns are written (and ``auto_now`` ones), so values the
    instance holds but the caller did not change never overwrite the stored row; many-to-many
    fields in ``data`` replace their sets after the row is saved.
    """
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ValidationError({name: "This field cannot be changed." for name in unknown})
    concrete, related = _split(instance, data)
    for name, value in concrete.items():
        setattr(instance, name, value)
    instance.full_clean()
    touched = [
        field.name for field in instance._meta.concrete_fields if getattr(field, "auto_now", False)
    ]
    instance.save(update_fields=[*concrete, *touched], force_update=True)
    for name, values in related.items():
        getattr(instance, name).set(list(values))
    return instance


def model_delete(*, instance: models.Model) -> None:
    """Delete ``instance`` (its delete signals run, as on every path)."""
    instance.delete()
