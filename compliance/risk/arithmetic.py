"""The arithmetic shared by the engine and its drivers: severities, bearing actions, program
rows, the disposition factor and the core state of one assessment.

Internal to :mod:`compliance.risk`: plain lists, tuples and dicts rather than dataclasses,
because the engine runs for every jurisdiction in a national recompute.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date
from typing import NamedTuple

from . import weights as w
from .types import ActionFact, StatementFact

# Adverse effects in increasing severity; a program's action counts are kept in this order.
# Adverse effects in increasing severity; a program's action counts are kept in this order.
ADVERSE = tuple(
    effect
    for effect, severity in sorted(w.ACTION_SEVERITY.items(), key=lambda item: item[1])
    if severity > 0
)
if ADVERSE != ("threat", "condition", "withholding", "clawback"):  # survival unrolls these
    raise ImportError(
        "weights.ACTION_SEVERITY must order threat < condition < withholding < clawback"
    )
INDEX = {effect: index for index, effect in enumerate(ADVERSE)}
CLAWBACK = INDEX["clawback"]
# Chance that money survives one action of each adverse effect, and its powers (n actions).
STAY = tuple(1.0 - w.ACTION_SEVERITY[effect] for effect in ADVERSE)
POWERS = tuple(tuple(stay**count for count in range(64)) for stay in STAY)
BASELINE_FACTOR = w.STANCE_FACTOR[w.BASELINE_STANCE]


class Bearing(NamedTuple):
    """Which adverse actions bear on which programs, and what blocks them."""

    counts: dict[str, list[int]]  # aln -> number of bearing actions per adverse effect
    jurisdiction: list[int]  # actions bearing on at least one program, per adverse effect
    hits: list[list[str]]  # per adverse action: the programs it bears on
    blocked: list[list[str]]  # per adverse action: the programs where protection blocks it


# A program row: (exposure_usd, max_at_risk_usd, max_at_risk_usd x likelihood before rounding).
Row = tuple[int, int, float]
# Money in scope of a program: (current award, prior years of the clawback look-back, fiscal
# year of the current award or 0 when there is no current award).
Money = tuple[int, int, int]


def covers(action: ActionFact, aln: str) -> bool:
    """Whether an action covers a program."""
    return action.covers_all_programs or aln in action.programs


def shields(shield: ActionFact, action: ActionFact, aln: str) -> bool:
    """Whether a protective action blocks an adverse one on a program.

    It blocks only what it names, on the programs its scope names (every program the blocked
    action covers when none are named). With no recorded scope, it blocks the adverse actions
    issued on or before it, on the programs it covers: a court enjoins, and an agency
    rescinds, measures that exist; a later action is a new measure it does not reach.
    """
    if shield.blocks:
        return any(
            block.action_id == action.id and (block.programs is None or aln in block.programs)
            for block in shield.blocks
        )
    return action.issued_on <= shield.issued_on and covers(shield, aln)


def is_blocked(action: ActionFact, aln: str, protective: Sequence[ActionFact]) -> bool:
    """Whether any of the protective actions blocks the action on ``aln``."""
    return any(shields(shield, action, aln) for shield in protective)


def bear(
    adverse: Sequence[ActionFact],
    protective: Sequence[ActionFact],
    money: dict[str, Money],
) -> Bearing:
    """Count, per program, the adverse actions that bear on it.

    An action bears on a program it covers when it could remove money there (current money;
    for a clawback, current or prior money) and no protective action blocks it there.
    """
    counts: dict[str, list[int]] = {}
    jurisdiction = [0] * len(ADVERSE)
    hits: list[list[str]] = []
    blocked: list[list[str]] = []
    for action in adverse:
        index = INDEX[action.effect]
        clawback = index == CLAWBACK
        hit: list[str] = []
        held: list[str] = []
        for aln in money if action.covers_all_programs else action.programs:
            amounts = money.get(aln)
            if amounts is None or not (amounts[0] or (clawback and amounts[1])):
                continue
            if protective and is_blocked(action, aln, protective):
                held.append(aln)
                continue
            hit.append(aln)
            row = counts.get(aln)
            if row is None:
                row = counts[aln] = [0] * len(ADVERSE)
            row[index] += 1
        if hit:
            jurisdiction[index] += 1
        hits.append(hit)
        blocked.append(held)
    return Bearing(counts, jurisdiction, hits, blocked)


def survival(counts: Sequence[int]) -> float:
    """Chance that money survives every counted action: prod of (1 - severity) ** count."""
    threat, condition, withholding, clawback = counts
    try:
        survival = POWERS[0][threat] * POWERS[1][condition]
        return survival * POWERS[2][withholding] * POWERS[3][clawback]
    except IndexError:  # dozens of actions of one effect: the same values, computed directly
        survival = STAY[0] ** threat * STAY[1] ** condition
        return survival * STAY[2] ** withholding * STAY[3] ** clawback


def row(amounts: Money, counts: Sequence[int] | None) -> Row:
    """One program's exposure, maximum at risk and unrounded action-weighted maximum."""
    current, prior, _ = amounts
    if counts is None or not any(counts):
        return current, 0, 0.0
    exposure = current + prior if counts[CLAWBACK] else current
    return exposure, exposure, exposure * (1.0 - survival(counts))


def at_risk(row: Row, k: float) -> int:
    """Expected loss of one program, rounded once to whole dollars (halves up)."""
    return min(row[1], int(row[2] * k + 0.5))


def likelihood(jurisdiction: Sequence[int], k: float) -> float:
    """The jurisdiction-wide likelihood behind the score, from 0 to 1."""
    return (1.0 - survival(jurisdiction)) * k


def disposition(factor: float, defiance: float, restraint: float) -> float:
    """The factor ``k`` from stance and statements, between DISPOSITION_FLOOR and 1.

    Defiance pulls the stance factor toward 1 and restraint pulls it toward 0, both saturating;
    the floor is the share of an action's likelihood that holds regardless.
    """
    inclination = (1.0 - (1.0 - factor) * math.exp(-defiance)) * math.exp(-restraint)
    return w.DISPOSITION_FLOOR + (1.0 - w.DISPOSITION_FLOOR) * inclination


def statement_weights(
    statements: Iterable[StatementFact], as_of: date
) -> list[tuple[StatementFact, int, float]]:
    """Statements that carry weight, with their age in days and their decayed signed weight.

    Age is counted to the first day of the as-of month (never below zero), so weights step once
    a month and every figure holds from one dated change or month start to the next: the
    figure as of any day equals the timeline's point in force that day."""
    aged_to = as_of.replace(day=1)
    weighted = []
    for statement in statements:
        base = w.STATEMENT_WEIGHT.get(statement.position, 0.0)
        if base:
            age = max((aged_to - statement.said_on).days, 0)
            weight = base * 0.5 ** (age / w.STATEMENT_HALF_LIFE_DAYS)
            if weight:  # not decayed to nothing (centuries old)
                weighted.append((statement, age, weight))
    return weighted


def sides(weights: Sequence[float]) -> tuple[float, float]:
    """(defiance, restraint): exact, order-independent sums of the positive and negative weights."""
    return (
        math.fsum(weight for weight in weights if weight > 0),
        math.fsum(-weight for weight in weights if weight < 0),
    )


class State(NamedTuple):
    """The core result, which the drivers vary one piece of evidence at a time."""

    money: dict[str, Money]
    bearing: Bearing
    live: list[tuple[str, Row]]  # programs with money at risk, and their rows
    at_risk: dict[str, int]
    funding: int
    factor: float
    k: float
    likelihood: float
    fiscal_year: int  # the as-of fiscal year


def award_years(state: State, alns: Iterable[str]) -> dict[str, int]:
    """The programs among ``alns`` whose current award is from before the as-of fiscal year
    (the most recent on record, carried forward), with that award's fiscal year."""
    years = {}
    for aln in alns:
        year = state.money[aln][2]
        if year and year < state.fiscal_year:
            years[aln] = year
    return years
