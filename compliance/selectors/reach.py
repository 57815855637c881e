"""Which jurisdictions a federal action reaches, and which actions reach a jurisdiction, by the
engine's one rule (``compliance.risk.reach``) applied to the records."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from django.db.models import Exists, OuterRef, Prefetch, Q

from compliance.models import FederalAction, FederalActionStatus
from compliance.risk.reach import reaches_everyone, reaches_for_any_stance
from compliance.risk.weights import ALL_SANCTUARY_STANCES
from grants.models import GrantProgram
from jurisdictions.models import Jurisdiction, PolicyStance


def jurisdiction_ids_with_sanctuary_stance() -> list[int]:
    """Ids of jurisdictions that have (or had) a sanctuary or partial stance period: those an
    adverse action for every sanctuary jurisdiction can reach on some date."""
    return list(
        PolicyStance.objects.filter(code__in=sorted(ALL_SANCTUARY_STANCES))
        .order_by("jurisdiction_id")
        .values_list("jurisdiction_id", flat=True)
        .distinct()
    )


def jurisdiction_ids_reachable(
    *, effect: str, targets_all_sanctuary: bool, target_ids: Iterable[int]
) -> list[int]:
    """Every jurisdiction an action with these properties reaches on some date: its listed
    targets; for an adverse action for every sanctuary jurisdiction, each one with a sanctuary
    or partial period; for a protective one, every jurisdiction."""
    if reaches_everyone(effect=effect, targets_all_sanctuary=targets_all_sanctuary):
        return list(Jurisdiction.objects.order_by("pk").values_list("pk", flat=True))
    ids = set(target_ids)
    if targets_all_sanctuary:
        ids.update(jurisdiction_ids_with_sanctuary_stance())
    return sorted(ids)


def jurisdiction_ids_reached_by_action(*, action: FederalAction) -> list[int]:
    """Every jurisdiction a saved action reaches on some date (see
    :func:`jurisdiction_ids_reachable`)."""
    targets = action.targets.values_list("pk", flat=True) if action.pk else ()
    return jurisdiction_ids_reachable(
        effect=action.effect,
        targets_all_sanctuary=action.targets_all_sanctuary,
        target_ids=targets,
    )


def _stances_between(stances: Sequence[PolicyStance], start: date, end: date) -> list[str]:
    """The stance codes of the periods overlapping ``[start, end]``."""
    return [
        period.code
        for period in stances
        if period.effective_from <= end
        and (period.effective_to is None or period.effective_to >= start)
    ]


# What a page shows of a status change and of the ruling or rescission that caused it.
STATUS_SHOWN = (
    "id", "action_id", "status", "effective_from", "date_precision", "listed_only",
    "source_url", "caused_by__id", "caused_by__title", "caused_by__issued_on",
    "caused_by__date_precision", "caused_by__source_url",
)  # fmt: skip


def actions_reaching(
    *, jurisdiction_id: int, stances: Sequence[PolicyStance], as_of: date | None = None
) -> list[FederalAction]:
    """Federal actions that reached a jurisdiction on some date from their issue up to
    ``as_of`` (by the engine's rule, given its stance periods), newest first; programs and
    dated status changes are prefetched (three queries)."""
    target_rows = FederalAction.targets.through.objects.filter(jurisdiction_id=jurisdiction_id)
    actions = (
        FederalAction.objects.annotate(
            is_listed=Exists(target_rows.filter(federalaction_id=OuterRef("pk")))
        )
        .filter(Q(is_listed=True) | Q(targets_all_sanctuary=True))
        .prefetch_related(
            Prefetch("programs", queryset=GrantProgram.objects.only("id", "aln")),
            Prefetch(
                "status_changes",
                queryset=FederalActionStatus.objects.select_related("caused_by")
                .only(*STATUS_SHOWN)
                .order_by("effective_from", "pk"),
            ),
        )
        .order_by("-issued_on", "-id")
    )
    if as_of is not None:
        actions = actions.filter(issued_on__lte=as_of)
    end = as_of or date.max
    return [
        action
        for action in actions
        if reaches_for_any_stance(
            effect=action.effect,
            targets_all_sanctuary=action.targets_all_sanctuary,
            listed=action.is_listed,
            stances=_stances_between(stances, action.issued_on, end),
        )
    ]
