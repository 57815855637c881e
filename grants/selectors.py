"""Reads of the grants app: a jurisdiction's awards and program exposure."""

from __future__ import annotations

from .models import GrantAward


def award_jurisdiction_ids(*, program_id: int) -> list[int]:
    """Ids of the jurisdictions with at least one award under a program."""
    return list(
        GrantAward.objects.filter(program_id=program_id)
        .order_by("jurisdiction_id")
        .values_list("jurisdiction_id", flat=True)
        .distinct()
    )
