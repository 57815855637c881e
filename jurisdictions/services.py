"""Writes of the jurisdictions app: stance periods that never overlap.

Saving a ``PolicyStance`` marks its jurisdiction stale through the compliance app's signal
receivers, and the recompute that follows copies the stance in force onto the jurisdiction;
this module does not import the compliance domain. Jurisdictions and officials have no rules
beyond their model validation: they are written with ``compliance.core.services``.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Jurisdiction, PolicyStance


@transaction.atomic
def policy_stance_create(*, stance: PolicyStance) -> PolicyStance:
    """Add a stance period; the open period before it is closed the day before it starts.

    Raises ``ValidationError`` when the new period would start on or before the open period's
    start, or overlap a closed one.
    """
    Jurisdiction.objects.select_for_update().filter(pk=stance.jurisdiction_id).order_by(
        "pk"
    ).first()
    open_period = (
        PolicyStance.objects.select_for_update()
        .filter(jurisdiction_id=stance.jurisdiction_id, effective_to__isnull=True)
        .first()
    )
    if open_period is not None:
        if stance.effective_from > open_period.effective_from:
            open_period.effective_to = stance.effective_from - timedelta(days=1)
            open_period.full_clean()
            open_period.save(update_fields=["effective_to", "updated_at"])
        elif stance.effective_to is None or stance.effective_to >= open_period.effective_from:
            raise ValidationError(
                {"effective_from": f"The current period ({open_period}) starts on or after it."}
            )
    stance.full_clean()
    stance.save()
    return stance
