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

from collections.abc import Iterable
from datetime import date
from typing import NamedTuple, TypeVar

from . import arithmetic as a
from . import weights as w
from .drivers import drivers_for
from .reach import reaches
from .types import (
    ActionFact,
    Assessment,
    AwardFact,
    Period,
    ProgramFact,
    ProgramRisk,
    RiskInputs,
    StancePeriod,
    StatementFact,
)

P = TypeVar("P", bound=Period)

_LEVEL_FLOORS = sorted(w.LEVEL_FLOORS.items(), key=lambda item: item[1])


def federal_fiscal_year(day: date) -> int:
    """The US federal fiscal year of a date: FY N runs from 1 October N-1 to 30 September N."""
    return day.year + 1 if day.month >= 10 else day.year


def level_for(score: int) -> str:
    """The level of a 0-100 score, from :data:`weights.LEVEL_FLOORS`."""
    level = next(iter(w.LEVELS))
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


def _known_on(inputs: RiskInputs, *, as_of: date, fiscal_year: int) -> _Known:
    """Drop every fact dated after ``as_of``: the one place where time is filtered."""
    return _Known(
        awards=[award for award in inputs.awards if award.fiscal_year <= fiscal_year],
        stances=[period for period in inputs.stances if period.effective_from <= as_of],
        statements=[stmt for stmt in inputs.statements if stmt.said_on <= as_of],
        actions=[action for action in inputs.actions if action.issued_on <= as_of],
    )


def stance_at(periods: Iterable[P], as_of: date) -> P | None:
    """The period in force on ``as_of`` (both ends inclusive); the latest start wins.

    The one rule for "stance on a date": the engine applies it to its facts, and the other
    layers to stance rows (anything with ``id``, ``code``, ``effective_from`` and
    ``effective_to``).
    """
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
) -> dict[str, a.Money]:
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

    money: dict[str, a.Money] = {}
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
    """Split the active actions that reach the jurisdiction (:func:`reach.reaches`) into
    adverse and protective ones (injunctions, rescissions); actions with no funding effect of
    their own are left out."""
    adverse: list[ActionFact] = []
    protective: list[ActionFact] = []
    for action in actions:
        protects = action.effect in w.PROTECTIVE_EFFECTS
        if not (protects or action.effect in a.INDEX) or not _is_active(action, as_of):
            continue
        if reaches(
            effect=action.effect,
            targets_all_sanctuary=action.targets_all_sanctuary,
            listed=action.targets_jurisdiction,
            stance=stance,
        ):
            (protective if protects else adverse).append(action)
    return adverse, protective


def assess(inputs: RiskInputs, *, as_of: date) -> Assessment:
    """Assess one jurisdiction's federal funding at risk as of ``as_of``.

    Pure and deterministic: equal inputs, in any order, give an equal result. See the module
    docstring and the README (section "How funding at risk is computed") for the method.
    """
    fiscal_year = federal_fiscal_year(as_of)
    known = _known_on(inputs, as_of=as_of, fiscal_year=fiscal_year)

    period = stance_at(known.stances, as_of)
    stance = period.code if period is not None else w.BASELINE_STANCE
    factor = w.STANCE_FACTOR.get(stance, a.BASELINE_FACTOR)
    weighted = a.statement_weights(known.statements, as_of)
    k = a.disposition(factor, *a.sides([weight for _, _, weight in weighted]))

    conditioned = _conditioned(inputs.programs)
    money = _money_in_scope(conditioned, known.awards, fiscal_year)
    adverse, protective = _actions_in_force(known.actions, as_of=as_of, stance=stance)
    bearing = a.bear(adverse, protective, money)
    likelihood = a.likelihood(bearing.jurisdiction, k)

    live: list[tuple[str, a.Row]] = []
    at_risk: dict[str, int] = {}
    programs = []
    exposure = max_at_risk = funding = 0
    for aln in sorted(money):
        counts = bearing.counts.get(aln)
        if counts is None:  # nothing bears on this program: exposure only
            row_exposure, row_max, amount = money[aln][0], 0, 0
            at_risk[aln] = 0
        else:
            row = a.row(money[aln], counts)
            live.append((aln, row))
            row_exposure, row_max, _ = row
            amount = at_risk[aln] = a.at_risk(row, k)
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

    state = a.State(money, bearing, live, at_risk, funding, factor, k, likelihood, fiscal_year)
    drivers = drivers_for(
        state, period=period, weighted=weighted, adverse=adverse, protective=protective
    )

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
        drivers=drivers,
    )
