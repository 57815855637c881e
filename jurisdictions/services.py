"""Writes of the jurisdictions app: stance periods that never overlap, and the current stance.

Saving a ``PolicyStance`` marks its jurisdiction's risk stale through the compliance app's
signal receivers; this module does not import the compliance domain.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .choices import DatePrecision, StanceCode
from .models import Jurisdiction, PolicyStance


@transaction.atomic
def policy_stance_create(
    *,
    jurisdiction: Jurisdiction,
    code: str,
    effective_from: date,
    basis: str,
    source_url: str,
    effective_to: date | None = None,
    date_precision: str = DatePrecision.DAY,
    description: str = "",
) -> PolicyStance:
    """Add a stance period; the open period before it is closed the day before it starts.

    Raises ``ValidationError`` when the new period would start on or before the open period's
    start, or overlap a closed one.
    """
    Jurisdiction.objects.select_for_update().filter(pk=jurisdiction.pk).order_by("pk").first()
    open_period = (
        PolicyStance.objects.select_for_update()
        .filter(jurisdiction=jurisdiction, effective_to__isnull=True)
        .first()
    )
    if open_period is not None:
        if effective_from > open_period.effective_from:
            open_period.effective_to = effective_from - timedelta(days=1)
            open_period.full_clean()
            open_period.save(update_fields=["effective_to", "updated_at"])
        elif effective_to is None or effective_to >= open_period.effective_from:
            raise ValidationError(
                {"effective_from": f"The current period ({open_period}) starts on or after it."}
            )
    stance = PolicyStance(
        jurisdiction=jurisdiction, code=code, effective_from=effective_from,
        effective_to=effective_to, date_precision=date_precision, basis=basis,
        description=description, source_url=source_url,
    )  # fmt: skip
    stance.full_clean()
    stance.save()
    jurisdiction_stance_refresh(jurisdiction_ids=[jurisdiction.pk])
    return stance


def jurisdiction_stance_refresh(
    *, jurisdiction_ids: Iterable[int] | None = None, on: date | None = None
) -> int:
    """Copy the stance in force on ``on`` (default today) onto ``Jurisdiction.stance`` and
    ``stance_since``; ``unknown`` where no period covers the date. Two queries plus one
    bulk update; returns the number of jurisdictions changed."""
    on = on or timezone.localdate()
    jurisdictions = Jurisdiction.objects.order_by("pk")
    periods = PolicyStance.objects.filter(effective_from__lte=on).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=on)
    )
    if jurisdiction_ids is not None:
        ids = list(jurisdiction_ids)
        jurisdictions = jurisdictions.filter(pk__in=ids)
        periods = periods.filter(jurisdiction_id__in=ids)
    current = {
        jid: (code, start)
        for jid, code, start in periods.order_by("jurisdiction_id", "effective_from").values_list(
            "jurisdiction_id", "code", "effective_from"
        )
    }
    changed = []
    for jurisdiction in jurisdictions.only("pk", "stance", "stance_since"):
        code, since = current.get(jurisdiction.pk, (StanceCode.UNKNOWN.value, None))
        if (jurisdiction.stance, jurisdiction.stance_since) != (code, since):
            jurisdiction.stance, jurisdiction.stance_since = code, since
            changed.append(jurisdiction)
    Jurisdiction.objects.bulk_update(changed, ["stance", "stance_since"], batch_size=1_000)
    return len(changed)
