"""Django choices built from plain ``{code: label}`` lists, so a vocabulary is typed once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models


def text_choices(name: str, labels: Mapping[str, str]) -> Any:
    """A ``TextChoices`` class named ``name`` whose members are ``labels``' codes, in order.

    Member names are the upper-cased codes (``StanceCode.SANCTUARY == "sanctuary"``). Typed
    ``Any`` because the members are only known at run time.
    """
    members = [(code.upper(), (code, label)) for code, label in labels.items()]
    return models.TextChoices(name, members)  # type: ignore[call-overload]
