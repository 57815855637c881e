"""The funding-at-risk engine: one pure, deterministic function from facts to an assessment.

``assess(inputs, as_of=...)`` reads only its arguments and the constants in :mod:`weights`; it
never touches a database, a clock or the network. In outline (the README's section "How
funding at risk is computed" tells the same story with a worked example):

1. Facts dated after ``as_of`` are dropped, here and nowhere else (:func:`_known_on`).
2. Money in scope: per conditioned program, its current award (the most recent on record,
   carried forward up to ten years) and, if a clawback bears on the program, the earlier fiscal
   years inside the clawback look-back.
3. The federal actions in force that reach the jurisdiction are split into adverse ones and
   protective ones (injunctions, rescissions); an adverse action *bears* on a program when it
   covers it, could remove money from it and is not blocked there.
4. Per program, the bearing actions combine into a likelihood ``1 - prod(1 - severity)``; the
   stance and statements give a disposition factor ``k``; the expected loss is
   ``max_at_risk x likelihood x k``, rounded once to whole dollars.
5. Every driver's contribution is exact: the change in the result if that one piece of evidence
   were removed (for the stance: replaced by an unknown stance).

Internally the engine works with lists, tuples and dicts rather than dataclasses, because it
runs for every jurisdiction in a national recompute.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date
from typing import NamedTuple

from . import explain
from . import weights as w
from .types import (
    ActionFact,
    Assessment,
    AwardFact,
    Driver,
    ProgramFact,
    ProgramRisk,
    RiskInputs,
    StancePeriod,
    StatementFact,
)

# Adverse effects in increasing severity; a program's action counts are kept in this order.
_ADVERSE = tuple(
    effect
    for effect, severity in sorted(w.ACTION_SEVERITY.items(), key=lambda item: item[1])
    if severity > 0
)
if _ADVERSE != ("threat", "condition", "withholding", "clawback"):  # _survival unrolls these
    raise ImportError(
        "weights.ACTION_SEVERITY must order threat < condition < withholding < clawback"
    )
_INDEX = {effect: index for index, effect in enumerate(_ADVERSE)}
_CLAWBACK = _INDEX["clawback"]
# Chance that money survives one action of each adverse effect, and its powers (n actions).
_STAY = tuple(1.0 - w.ACTION_SEVERITY[effect] for effect in _ADVERSE)
_POWERS = tuple(tuple(stay**count for count in range(64)) for stay in _STAY)
_BASELINE_FACTOR = w.STANCE_FACTOR[w.BASELINE_STANCE]
_LEVEL_FLOORS = sorted(w.LEVEL_FLOORS.items(), key=lambda item: item[1])


def federal_fiscal_year(day: date) -> int:
    """The US federal fiscal year of a date: FY N runs from 1 October N-1 to 30 September N."""
    return day.year + 1 if day.month >= 10 else day.year


def level_for(score: int) -> str:
    """The level of a 0-100 score, from :data:`weights.LEVEL_FLOORS`."""
    level = w.LEVELS[0]
    for name, floor in _LEVEL_FLOORS:
        if score >= floor:
            level = name
    return level


class _Known(NamedTuple):
    """The facts that were known on the as-of date."""

    awards: list[AwardFact]
    stances: list[StancePeriod]
    statements: list[StatementFact]
    actions: list[ActionFact]


class _Bearing(NamedTuple):
    """Which adverse actions bear on which programs, and what blocks them."""

    counts: dict[str, list[int]]  # aln -> number of bearing actions per adverse effect
    jurisdiction: list[int]  # actions bearing on at least one program, per adverse effect
    hits: list[list[str]]  # per adverse action: the programs it bears on
    blocked: list[list[str]]  # per adverse action: the programs where protection blocks it


# A program row: (exposure_usd, max_at_risk_usd, max_at_risk_usd x likelihood before rounding).
_Row = tuple[int, int, float]
# Money in scope of a program: (current award, prior years of the clawback look-back, fiscal
# year of the current award or 0 when there is no current award).
_Money = tuple[int, int, int]


def _known_on(inputs: RiskInputs, *, as_of: date, fiscal_year: int) -> _Known:
    """Drop every fact dated after ``as_of``: the one place where time is filtered."""
    return _Known(
        awards=[award for award in inputs.awards if award.fiscal_year <= fiscal_year],
        stances=[period for period in inputs.stances if period.effective_from <= as_of],
        statements=[stmt for stmt in inputs.statements if stmt.said_on <= as_of],
        actions=[action for action in inputs.actions if action.issued_on <= as_of],
    )


def stance_at(periods: Iterable[StancePeriod], as_of: date) -> StancePeriod | None:
    """The period in force on ``as_of`` (both ends inclusive); the latest start wins."""
    best = None
    for period in periods:
        if period.effective_from > as_of:
            continue
        if period.effective_to is not None and period.effective_to < as_of:
            continue
        if best is None or (period.effective_from, period.id, period.code) > (
            best.effective_from,
            best.id,
            best.code,
        ):
            best = period
    return best


def _conditioned(programs: Iterable[ProgramFact]) -> dict[str, ProgramFact]:
    """Programs with immigration conditions, by ALN (duplicates resolve by name, stably)."""
    found: dict[str, ProgramFact] = {}
    for program in programs:
        if program.conditions_attach:
            seen = found.get(program.aln)
            if seen is None or program.name < seen.name:
                found[program.aln] = program
    return found


def _money_in_scope(
    conditioned: dict[str, ProgramFact], awards: Iterable[AwardFact], fiscal_year: int
) -> dict[str, _Money]:
    """Per conditioned program: (current award, earlier look-back years, current award's year).

    The current award is the program's most recent fiscal year on or before ``fiscal_year``,
    carried forward when no newer figure exists, but no older than
    CURRENT_AWARD_CARRY_FORWARD_YEARS. Every other year of the clawback look-back window is
    "prior" money, which only a clawback brings into exposure. A year whose net amount is not
    positive counts as zero (and, as the most recent on record, leaves no current award).
    """
    first_prior = fiscal_year - w.CLAWBACK_LOOKBACK_YEARS
    oldest_current = fiscal_year - w.CURRENT_AWARD_CARRY_FORWARD_YEARS
    first_year = min(first_prior, oldest_current)
    by_program: dict[str, dict[int, int]] = {}
    for award in awards:
        year = award.fiscal_year
        if year >= first_year and award.aln in conditioned:
            years = by_program.get(award.aln)
            if years is None:
                by_program[award.aln] = {year: award.amount_usd}
            else:
                years[year] = years.get(year, 0) + award.amount_usd

    money: dict[str, _Money] = {}
    for aln, years in by_program.items():
        latest = max(years)
        if latest < oldest_current:
            latest = 0  # too stale to stand in for the current year: no current award
        current = prior = current_year = 0
        for year, amount in years.items():
            if amount > 0:
                if year == latest:
                    current, current_year = amount, year
                elif year >= first_prior:
                    prior += amount
        if current or prior:
            money[aln] = (current, prior, current_year)
    return money


def _is_active(action: ActionFact, as_of: date) -> bool:
    """In effect on ``as_of``: status in effect, or a later status not yet started."""
    return action.status in w.ACTIVE_STATUSES or (
        action.status_since is not None and as_of < action.status_since
    )


def _actions_in_force(
    actions: Iterable[ActionFact], *, as_of: date, stance: str
) -> tuple[list[ActionFact], list[ActionFact]]:
    """Split the active actions that reach the jurisdiction into adverse and protective ones.

    An adverse action reaches a listed target, or every target whose stance is sanctuary or
    partial. A protective action (injunction, rescission) reaches a listed target or, when it
    is for every sanctuary jurisdiction, any jurisdiction: relief granted to the sanctuary
    jurisdictions must not leave a less defiant one more exposed.
    """
    all_sanctuary = stance in w.ALL_SANCTUARY_STANCES
    adverse: list[ActionFact] = []
    protective: list[ActionFact] = []
    for action in actions:
        if action.effect in w.PROTECTIVE_EFFECTS:
            reaches = action.targets_jurisdiction or action.targets_all_sanctuary
            if reaches and _is_active(action, as_of):
                protective.append(action)
        elif action.effect in _INDEX:
            reaches = action.targets_jurisdiction or (
                action.targets_all_sanctuary and all_sanctuary
            )
            if reaches and _is_active(action, as_of):
                adverse.append(action)
    return adverse, protective


def _covers(action: ActionFact, aln: str) -> bool:
    """Whether an action covers a program."""
    return action.covers_all_programs or aln in action.programs


def _blocked(action: ActionFact, aln: str, protective: Sequence[ActionFact]) -> bool:
    """Whether an injunction or rescission issued on or after the action covers ``aln``.

    A court enjoins, and an agency rescinds, measures that exist: a later action is a new
    measure that the earlier protection does not reach.
    """
    return any(
        action.issued_on <= shield.issued_on and _covers(shield, aln) for shield in protective
    )


def _bear(
    adverse: Sequence[ActionFact],
    protective: Sequence[ActionFact],
    money: dict[str, _Money],
) -> _Bearing:
    """Count, per program, the adverse actions that bear on it.

    An action bears on a program it covers when it could remove money there (current money;
    for a clawback, current or prior money) and no protective action blocks it there.
    """
    counts: dict[str, list[int]] = {}
    jurisdiction = [0] * len(_ADVERSE)
    hits: list[list[str]] = []
    blocked: list[list[str]] = []
    for action in adverse:
        index = _INDEX[action.effect]
        clawback = index == _CLAWBACK
        hit: list[str] = []
        held: list[str] = []
        for aln in money if action.covers_all_programs else action.programs:
            amounts = money.get(aln)
            if amounts is None or not (amounts[0] or (clawback and amounts[1])):
                continue
            if protective and _blocked(action, aln, protective):
                held.append(aln)
                continue
            hit.append(aln)
            row = counts.get(aln)
            if row is None:
                row = counts[aln] = [0] * len(_ADVERSE)
            row[index] += 1
        if hit:
            jurisdiction[index] += 1
        hits.append(hit)
        blocked.append(held)
    return _Bearing(counts, jurisdiction, hits, blocked)


def _survival(counts: Sequence[int]) -> float:
    """Chance that money survives every counted action: prod of (1 - severity) ** count."""
    threat, condition, withholding, clawback = counts
    try:
        survival = _POWERS[0][threat] * _POWERS[1][condition]
        return survival * _POWERS[2][withholding] * _POWERS[3][clawback]
    except IndexError:  # dozens of actions of one effect: the same values, computed directly
        survival = _STAY[0] ** threat * _STAY[1] ** condition
        return survival * _STAY[2] ** withholding * _STAY[3] ** clawback


def _row(amounts: _Money, counts: Sequence[int] | None) -> _Row:
    """One program's exposure, maximum at risk and unrounded action-weighted maximum."""
    current, prior, _ = amounts
    if counts is None or not any(counts):
        return current, 0, 0.0
    exposure = current + prior if counts[_CLAWBACK] else current
    return exposure, exposure, exposure * (1.0 - _survival(counts))


def _at_risk(row: _Row, k: float) -> int:
    """Expected loss of one program, rounded once to whole dollars (halves up)."""
    return min(row[1], int(row[2] * k + 0.5))


def _likelihood(jurisdiction: Sequence[int], k: float) -> float:
    """The jurisdiction-wide likelihood behind the score, from 0 to 1."""
    return (1.0 - _survival(jurisdiction)) * k


def _disposition(factor: float, defiance: float, restraint: float) -> float:
    """The factor ``k`` from stance and statements, between DISPOSITION_FLOOR and 1.

    Defiance pulls the stance factor toward 1 and restraint pulls it toward 0, both saturating;
    the floor is the share of an action's likelihood that holds regardless.
    """
    inclination = (1.0 - (1.0 - factor) * math.exp(-defiance)) * math.exp(-restraint)
    return w.DISPOSITION_FLOOR + (1.0 - w.DISPOSITION_FLOOR) * inclination


def _statement_weights(
    statements: Iterable[StatementFact], as_of: date
) -> list[tuple[StatementFact, int, float]]:
    """Statements that carry weight, with their age in days and their decayed signed weight."""
    weighted = []
    for statement in statements:
        base = w.STATEMENT_WEIGHT.get(statement.position, 0.0)
        if base:
            age = (as_of - statement.said_on).days
            weight = base * 0.5 ** (age / w.STATEMENT_HALF_LIFE_DAYS)
            if weight:  # not decayed to nothing (centuries old)
                weighted.append((statement, age, weight))
    return weighted


def _sides(weights: Sequence[float]) -> tuple[float, float]:
    """(defiance, restraint): exact, order-independent sums of the positive and negative weights."""
    return (
        math.fsum(weight for weight in weights if weight > 0),
        math.fsum(-weight for weight in weights if weight < 0),
    )


class _State(NamedTuple):
    """The core result, which the drivers vary one piece of evidence at a time."""

    money: dict[str, _Money]
    bearing: _Bearing
    live: list[tuple[str, _Row]]  # programs with money at risk, and their rows
    at_risk: dict[str, int]
    funding: int
    factor: float
    k: float
    likelihood: float
    fiscal_year: int  # the as-of fiscal year


def _award_years(state: _State, alns: Iterable[str]) -> dict[str, int]:
    """The programs among ``alns`` whose current award is from before the as-of fiscal year
    (the most recent on record, carried forward), with that award's fiscal year."""
    years = {}
    for aln in alns:
        year = state.money[aln][2]
        if year and year < state.fiscal_year:
            years[aln] = year
    return years


def _recount(
    bearing: _Bearing,
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
                counts = changed[aln] = base.copy() if base else [0] * len(_ADVERSE)
            counts[index] += 1
    return changed, jurisdiction


def _funding_changed(state: _State, changed: dict[str, list[int]]) -> int:
    """Total funding at risk when only the ``changed`` programs' counts differ."""
    total = state.funding
    for aln, counts in changed.items():
        total += _at_risk(_row(state.money[aln], counts), state.k) - state.at_risk[aln]
    return total


def _funding_at(state: _State, k: float, changed: dict[str, list[int]] | None = None) -> int:
    """Total funding at risk with another factor ``k`` and, optionally, fewer bearing actions.

    Only programs with money at risk can contribute, and removing actions adds none.
    """
    if not changed:
        return sum([min(row[1], int(row[2] * k + 0.5)) for _, row in state.live])
    total = 0
    for aln, row in state.live:
        counts = changed.get(aln)
        if counts is not None:
            row = _row(state.money[aln], counts)
        total += min(row[1], int(row[2] * k + 0.5))
    return total


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


def assess(inputs: RiskInputs, *, as_of: date) -> Assessment:
    """Assess one jurisdiction's federal funding at risk as of ``as_of``.

    Pure and deterministic: equal inputs, in any order, give an equal result. See the module
    docstring and the README (section "How funding at risk is computed") for the method.
    """
    fiscal_year = federal_fiscal_year(as_of)
    known = _known_on(inputs, as_of=as_of, fiscal_year=fiscal_year)

    period = stance_at(known.stances, as_of)
    stance = period.code if period is not None else w.BASELINE_STANCE
    factor = w.STANCE_FACTOR.get(stance, _BASELINE_FACTOR)
    weighted = _statement_weights(known.statements, as_of)
    k = _disposition(factor, *_sides([weight for _, _, weight in weighted]))

    conditioned = _conditioned(inputs.programs)
    money = _money_in_scope(conditioned, known.awards, fiscal_year)
    adverse, protective = _actions_in_force(known.actions, as_of=as_of, stance=stance)
    bearing = _bear(adverse, protective, money)
    likelihood = _likelihood(bearing.jurisdiction, k)

    live: list[tuple[str, _Row]] = []
    at_risk: dict[str, int] = {}
    programs = []
    exposure = max_at_risk = funding = 0
    for aln in sorted(money):
        counts = bearing.counts.get(aln)
        if counts is None:  # nothing bears on this program: exposure only
            row_exposure, row_max, amount = money[aln][0], 0, 0
            at_risk[aln] = 0
        else:
            row = _row(money[aln], counts)
            live.append((aln, row))
            row_exposure, row_max, _ = row
            amount = at_risk[aln] = _at_risk(row, k)
        exposure += row_exposure
        max_at_risk += row_max
        funding += amount
        if row_exposure:
            programs.append(
                ProgramRisk(
                    aln,
                    conditioned[aln].name,
                    row_exposure,
                    row_max,
                    amount,
                    award_fiscal_year=money[aln][2] or None,
                )
            )

    state = _State(money, bearing, live, at_risk, funding, factor, k, likelihood, fiscal_year)
    drivers = _statement_drivers(state, weighted)
    if period is not None:
        drivers.append(_stance_driver(state, period, weighted, adverse))
    drivers.extend(_action_drivers(state, adverse))
    drivers.extend(_protection_drivers(state, adverse, protective))
    drivers.sort(key=_driver_order)

    score = min(100, int(100.0 * likelihood + 0.5))
    return Assessment(
        jurisdiction_id=inputs.jurisdiction_id,
        as_of=as_of,
        method_version=w.METHOD_VERSION,
        exposure_usd=exposure,
        max_at_risk_usd=max_at_risk,
        funding_at_risk_usd=funding,
        score=score,
        level=level_for(score),
        stance=stance,
        programs=tuple(programs),
        drivers=tuple(drivers),
    )


def _stance_driver(
    state: _State,
    period: StancePeriod,
    weighted: list[tuple[StatementFact, int, float]],
    adverse: list[ActionFact],
) -> Driver:
    """The stance in force, against an unknown stance (which no all-sanctuary action reaches)."""
    usd, points = 0, 0.0
    if period.code != w.BASELINE_STANCE:
        k = _disposition(_BASELINE_FACTOR, *_sides([weight for _, _, weight in weighted]))
        unreached = []
        if period.code in w.ALL_SANCTUARY_STANCES:
            unreached = [
                (_INDEX[action.effect], hit)
                for action, hit in zip(adverse, state.bearing.hits, strict=True)
                if hit and not action.targets_jurisdiction
            ]
        changed, jurisdiction = _recount(state.bearing, remove=unreached)
        usd = state.funding - _funding_at(state, k, changed)
        points = _points(state.likelihood, _likelihood(jurisdiction, k))
    sentence = explain.stance_sentence(
        code=period.code, since=period.effective_from, usd=usd, points=points
    )
    return Driver("stance", period.id, usd, points, sentence)


def _statement_drivers(
    state: _State, weighted: list[tuple[StatementFact, int, float]]
) -> list[Driver]:
    """One driver per weighted statement: the result without it, all else equal."""
    drivers: list[Driver] = []
    if not weighted:
        return drivers
    defiant = [weight for _, _, weight in weighted if weight > 0]
    restrained = [-weight for _, _, weight in weighted if weight < 0]
    defiance, restraint = math.fsum(defiant), math.fsum(restrained)
    reach = 1.0 - _survival(state.bearing.jurisdiction)
    for statement, age, weight in weighted:
        # Removing one equal value leaves the same multiset, and fsum ignores order.
        if weight > 0:
            rest = defiant.copy()
            rest.remove(weight)
            k = _disposition(state.factor, math.fsum(rest), restraint)
        else:
            rest = restrained.copy()
            rest.remove(-weight)
            k = _disposition(state.factor, defiance, math.fsum(rest))
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
        drivers.append(Driver("statement", statement.id, usd, points, sentence))
    return drivers


def _action_drivers(state: _State, adverse: list[ActionFact]) -> list[Driver]:
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
            index = _INDEX[action.effect]
            for aln in hit:
                added = loss.get((aln, index))
                if added is None:
                    counts = bearing.counts[aln].copy()
                    counts[index] -= 1
                    without = _at_risk(_row(state.money[aln], counts), state.k)
                    added = loss[aln, index] = state.at_risk[aln] - without
                usd += added
            jurisdiction = bearing.jurisdiction.copy()
            jurisdiction[index] -= 1
            points = _points(state.likelihood, _likelihood(jurisdiction, state.k))
        sentence = explain.action_sentence(
            kind=action.kind,
            title=action.title,
            effect=action.effect,
            issued_on=action.issued_on,
            listed=action.targets_jurisdiction,
            alns=hit,
            blocked_alns=held,
            award_years=_award_years(state, hit),
            usd=usd,
            points=points,
        )
        drivers.append(Driver("action", action.id, usd, points, sentence))
    return drivers


def _protection_drivers(
    state: _State, adverse: list[ActionFact], protective: list[ActionFact]
) -> list[Driver]:
    """One driver per injunction or rescission covering money in scope: the result without it."""
    drivers = []
    bearing = state.bearing
    for position, shield in enumerate(protective):
        covered = [aln for aln in state.money if _covers(shield, aln)]
        if not covered:
            continue
        others = protective[:position] + protective[position + 1 :]
        freed = [
            (
                _INDEX[action.effect],
                [aln for aln in held if not _blocked(action, aln, others)],
                bool(hit),
            )
            for action, hit, held in zip(adverse, bearing.hits, bearing.blocked, strict=True)
            if held
        ]
        changed, jurisdiction = _recount(bearing, add=freed)
        usd = state.funding - _funding_changed(state, changed)
        points = _points(state.likelihood, _likelihood(jurisdiction, state.k))
        sentence = explain.protection_sentence(
            kind=shield.kind,
            title=shield.title,
            effect=shield.effect,
            issued_on=shield.issued_on,
            alns=covered,
            award_years=_award_years(state, covered),
            usd=usd,
            points=points,
        )
        kind = "injunction" if shield.effect == "injunction" else "action"
        drivers.append(Driver(kind, shield.id, usd, points, sentence))
    return drivers
