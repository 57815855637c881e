"""Which federal actions reach a jurisdiction: the one rule, used by the engine on a date and,
through the selectors, by the pages and by stale-marking over all dates.

An action always reaches the jurisdictions it lists. An action for every sanctuary jurisdiction
reaches, on a date, each jurisdiction whose stance that day is sanctuary or partial, if it is
adverse; if it protects (an injunction or rescission), it reaches every jurisdiction, because
relief granted to the sanctuary jurisdictions must not leave a less defiant one more exposed.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import weights as w


def reaches(*, effect: str, targets_all_sanctuary: bool, listed: bool, stance: str) -> bool:
    """Whether an action reaches a jurisdiction whose stance on the date is ``stance``."""
    if listed:
        return True
    if not targets_all_sanctuary:
        return False
    return effect in w.PROTECTIVE_EFFECTS or stance in w.ALL_SANCTUARY_STANCES


def reaches_for_any_stance(
    *, effect: str, targets_all_sanctuary: bool, listed: bool, stances: Iterable[str]
) -> bool:
    """Whether an action reaches a jurisdiction on some date, given the stances it holds over
    the dates in question (the baseline stance stands for the days no period covers)."""
    return any(
        reaches(effect=effect, targets_all_sanctuary=targets_all_sanctuary, listed=listed,
                stance=stance)
        for stance in (*stances, w.BASELINE_STANCE)
    )  # fmt: skip


def reaches_everyone(*, effect: str, targets_all_sanctuary: bool) -> bool:
    """Whether an action reaches every jurisdiction, whatever its stance (protection for all)."""
    return targets_all_sanctuary and effect in w.PROTECTIVE_EFFECTS
