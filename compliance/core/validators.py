"""Field rules every write path shares: the model fields carry them, so the API's serializers,
the admin's forms, the CSV imports and the services (which call ``full_clean``) all apply the
same ones."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator, URLValidator
from django.utils import timezone
from django.utils.deconstruct import deconstructible

from .dates import EARLIEST, LATEST

# Sources are web pages: no ftp://, file:// or javascript: addresses.
http_url = URLValidator(schemes=["http", "https"], message="Enter an http or https address.")


@deconstructible
class DateWithin:
    """A date from EARLIEST on, and not after today (``future=False``) or LATEST."""

    def __init__(self, *, future: bool = False) -> None:
        self.future = future

    def __call__(self, value: dt.date | None) -> None:
        if value is None:
            return
        if value < EARLIEST:
            raise ValidationError(f"Use a date on or after {EARLIEST}.", code="too_early")
        today = timezone.localdate()
        if not self.future and value > today:
            raise ValidationError(
                f"A date in the future is not allowed (today is {today}).", code="future"
            )
        if value > LATEST:
            raise ValidationError(f"Use a date on or before {LATEST}.", code="too_late")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DateWithin) and other.future == self.future

    def __hash__(self) -> int:
        return hash(self.future)


past_date = DateWithin()
any_date = DateWithin(future=True)
no_nul = ProhibitNullCharactersValidator()


class CleanTextMixin:
    """A model mixin: no text field may hold a NUL character (PostgreSQL refuses it; the
    error is then a field message, not a database error), whatever path writes it."""

    def clean_fields(self, exclude: Any = None) -> None:
        errors: dict[str, list[str]] = {}
        try:
            super().clean_fields(exclude=exclude)  # type: ignore[misc]
        except ValidationError as error:
            errors = error.message_dict
        for field in self._meta.concrete_fields:  # type: ignore[attr-defined]
            value = getattr(self, field.attname, None)
            if isinstance(value, str) and "\x00" in value and field.name not in errors:
                errors[field.name] = ["Null characters are not allowed."]
        if errors:
            raise ValidationError(errors)
