"""Drivers: what each piece of evidence contributes to an assessment.

Every contribution is exact on its own: the change in funding at risk and in the score if that
one piece of evidence were removed (the stance: replaced by an unknown stance), all else equal.
Because the factors multiply, contributions do not add up to the total.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date

from . import arithmetic as a
from . import explain
from . import weights as w
from .types import ActionFact, Driver, StancePeriod, StatementFact


def drivers_for(
    state: a.State,
    *,
    period: StancePeriod | None,
    since: date | None,
    weighted: list[tuple[StatementFact, int, float]],
    adverse: list[ActionFact],
    protective: list[ActionFact],
) -> tuple[Driver, ...]:
    """Every driver of an assessment, largest contribution first."""
    drivers = _statement_drivers(state, weighted)
    if period is not None:
        start = since or period.effective_from
        drivers.append(_stance_driver(state, period, start, weighted, adverse))
    drivers.extend(_action_drivers(state, adverse))
    drivers.extend(_protection_drivers(state, adverse, protective))
    drivers.sort(key=_driver_order)
    return tuple(drivers)


def _recount(
    bearing: a.Bearing,
    *,
    remove: Iterable[tuple[int, list[str]]] = (),
    add: Iterable[tuple[int, list[str], bool]] = (),
) -> tuple[dict[str, list[int]], list[int]]:
    """Counts after some actions stop bearing on their programs, or bear on more of them.

    ``remove`` holds (effect index, programs) of actions that no longer bear at all; ``add``
    holds (effect index, newly borne programs, whether the action already bore elsewhere).
    Returns the new counts of the programs that changed, and the jurisdiction's counts.
    Actions bear independently of one another, so this equals recounting from scratch.
    """
    changed: dict[str, list[int]] = {}
    jurisdiction = bearing.jurisdiction.copy()
    for index, alns in remove:
        if alns:
            jurisdiction[index] -= 1
        for aln in alns:
            counts = changed.get(aln)
            if counts is None:
                counts = changed[aln] = bearing.counts[aln].copy()
            counts[index] -= 1
    for index, alns, bore in add:
        if alns and not bore:
            jurisdiction[index] += 1
        for aln in alns:
            counts = changed.get(aln)
            if counts is None:
                base = bearing.counts.get(aln)
                counts = changed[aln] = base.copy() if base else [0] * len(a.ADVERSE)
            counts[index] += 1
    return changed, jurisdiction


def _funding_changed(state: a.State, changed: dict[str, list[int]]) -> int:
    """Total funding at risk when only the ``changed`` programs' counts differ."""
    total = state.funding
    for aln, counts in changed.items():
        total += a.at_risk(a.row(state.money[aln], counts), state.k) - state.at_risk[aln]
    return total


def _funding_at(state: a.State, k: float, changed: dict[str, list[int]] | None = None) -> int:
    """Total funding at risk with another factor ``k`` and, optionally, fewer bearing actions.

    Only programs with money at risk can contribute, and removing actions adds none.
    """
    if not changed:
        return sum([min(row[1], int(row[2] * k + 0.5)) for _, row in state.live])
    total = 0
    for aln, row in state.live:
        counts = changed.get(aln)
        if counts is not None:
            row = a.row(state.money[aln], counts)
        total += min(row[1], int(row[2] * k + 0.5))
    return total


def _driver(
    kind: str, evidence_id: int, usd: int, points: float, sentence: str, label: str, on: date
) -> Driver:
    """A driver, with the side it weighs on: ``raises`` when the result would be lower
    without it, ``protects`` when higher, ``none`` when it makes no difference on the date."""
    if usd > 0 or (usd == 0 and points > 0):
        role = "raises"
    elif usd < 0 or points < 0:
        role = "protects"
    else:
        role = "none"
    return Driver(kind, evidence_id, usd, points, sentence, label=label, on=on, role=role)


def _points(before: float, after: float) -> float:
    """A likelihood change in score points, rounded to two decimals (never ``-0.0``)."""
    return round(10_000.0 * (before - after)) / 100


def _driver_order(driver: Driver) -> tuple[int, float, str, int, str]:
    """Largest contribution first, then by kind, id and sentence, so ties are stable."""
    return (
        -driver.contribution_usd,
        -driver.contribution_score,
        driver.evidence_kind,
        driver.evidence_id,
        driver.sentence,
    )


def _stance_driver(
    state: a.State,
    period: StancePeriod,
    since: date,
    weighted: list[tuple[StatementFact, int, float]],
    adverse: list[ActionFact],
) -> Driver:
    """The stance in force, against an unknown stance (which no all-sanctuary action reaches)."""
    usd, points = 0, 0.0
    if period.code != w.BASELINE_STANCE:
        k = a.disposition(a.BASELINE_FACTOR, *a.sides([weight for _, _, weight in weighted]))
        unreached = []
        if period.code in w.ALL_SANCTUARY_STANCES:
            unreached = [
                (a.INDEX[action.effect], hit)
                for action, hit in zip(adverse, state.bearing.hits, strict=True)
                if hit and not action.targets_jurisdiction
            ]
        changed, jurisdiction = _recount(state.bearing, remove=unreached)
        usd = state.funding - _funding_at(state, k, changed)
        points = _points(state.likelihood, a.likelihood(jurisdiction, k))
    sentence = explain.stance_sentence(code=period.code, since=since, usd=usd, points=points)
    label = explain.stance_label(code=period.code, since=since)
    return _driver("stance", period.id, usd, points, sentence, label, since)


def _statement_drivers(
    state: a.State, weighted: list[tuple[StatementFact, int, float]]
) -> list[Driver]:
    """One driver per weighted statement: the result without it, all else equal."""
    drivers: list[Driver] = []
    if not weighted:
        return drivers
    defiant = [weight for _, _, weight in weighted if weight > 0]
    restrained = [-weight for _, _, weight in weighted if weight < 0]
    defiance, restraint = math.fsum(defiant), math.fsum(restrained)
    reach = 1.0 - a.survival(state.bearing.jurisdiction)
    for statement, age, weight in weighted:
        # Removing one equal value leaves the same multiset, and fsum ignores order.
        if weight > 0:
            rest = defiant.copy()
            rest.remove(weight)
            k = a.disposition(state.factor, math.fsum(rest), restraint)
        else:
            rest = restrained.copy()
            rest.remove(-weight)
            k = a.disposition(state.factor, defiance, math.fsum(rest))
        usd = state.funding - _funding_at(state, k)
        points = _points(state.likelihood, reach * k)
        sentence = explain.statement_sentence(
            position=statement.position,
            said_on=statement.said_on,
            age_days=age,
            weight=weight,
            usd=usd,
            points=points,
        )
        label = explain.statement_label(position=statement.position, said_on=statement.said_on)
        drivers.append(
            _driver("statement", statement.id, usd, points, sentence, label, statement.said_on)
        )
    return drivers


def _action_drivers(state: a.State, adverse: list[ActionFact]) -> list[Driver]:
    """One driver per adverse action that bears on, or is blocked on, money in scope.

    Removing one action of a given effect from a program always gives the same program result,
    so those results are computed once per (program, effect) and shared.
    """
    drivers = []
    bearing = state.bearing
    loss: dict[tuple[str, int], int] = {}  # (aln, effect index) -> dollars one such action adds
    for action, hit, held in zip(adverse, bearing.hits, bearing.blocked, strict=True):
        if not (hit or held):
            continue
        usd, points = 0, 0.0
        if hit:
            index = a.INDEX[action.effect]
            for aln in hit:
                added = loss.get((aln, index))
                if added is None:
                    counts = bearing.counts[aln].copy()
                    counts[index] -= 1
                    without = a.at_risk(a.row(state.money[aln], counts), state.k)
                    added = loss[aln, index] = state.at_risk[aln] - without
                usd += added
            jurisdiction = bearing.jurisdiction.copy()
            jurisdiction[index] -= 1
            points = _points(state.likelihood, a.likelihood(jurisdiction, state.k))
        sentence = explain.action_sentence(
            kind=action.kind,
            title=action.title,
            effect=action.effect,
            issued_on=action.issued_on,
            listed=action.targets_jurisdiction,
            alns=hit,
            blocked_alns=held,
            award_years=a.award_years(state, hit),
            usd=usd,
            points=points,
        )
        label = explain.action_label(
            kind=action.kind, title=action.title, effect=action.effect, issued_on=action.issued_on
        )
        drivers.append(_driver("action", action.id, usd, points, sentence, label, action.issued_on))
    return drivers


def _in_scope(shield: ActionFact, aln: str) -> bool:
    """Whether a protective action's scope reaches a program: the programs its recorded blocks
    name (all, for a block naming none), or, with no recorded scope, the programs it covers."""
    if shield.blocks:
        return any(block.programs is None or aln in block.programs for block in shield.blocks)
    return a.covers(shield, aln)


def _protection_drivers(
    state: a.State, adverse: list[ActionFact], protective: list[ActionFact]
) -> list[Driver]:
    """One driver per injunction or rescission covering money in scope: the result without it."""
    drivers = []
    bearing = state.bearing
    for position, shield in enumerate(protective):
        covered = [aln for aln in state.money if _in_scope(shield, aln)]
        if not covered:
            continue
        others = protective[:position] + protective[position + 1 :]
        freed = [
            (
                a.INDEX[action.effect],
                [aln for aln in held if not a.is_blocked(action, aln, others)],
                bool(hit),
            )
            for action, hit, held in zip(adverse, bearing.hits, bearing.blocked, strict=True)
            if held
        ]
        changed, jurisdiction = _recount(bearing, add=freed)
        usd = state.funding - _funding_changed(state, changed)
        points = _points(state.likelihood, a.likelihood(jurisdiction, state.k))
        sentence = explain.protection_sentence(
            kind=shield.kind,
            title=shield.title,
            effect=shield.effect,
            issued_on=shield.issued_on,
            alns=covered,
            award_years=a.award_years(state, covered),
            usd=usd,
            points=points,
        )
        kind = "injunction" if shield.effect == "injunction" else "action"
        label = explain.action_label(
            kind=shield.kind, title=shield.title, effect=shield.effect, issued_on=shield.issued_on
        )
        drivers.append(_driver(kind, shield.id, usd, points, sentence, label, shield.issued_on))
    return drivers
