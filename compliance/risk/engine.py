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
from typing import NamedTuple

from . import arithmetic as a
from . import weights as w
from .drivers import drivers_for
from .periods import (
    federal_fiscal_year,
    public_on,
    stance_at,
    stance_since,
    status_on,
)
from .reach import reaches
from .types import (
    ActionFact,
    Assessment,
    AwardFact,
    Driver,
    FigureOutOfRange,
    ProgramFact,
    ProgramRisk,
    RiskInputs,
    StancePeriod,
    StatementFact,
)

_LEVEL_FLOORS = sorted(w.LEVEL_FLOORS.items(), key=lambda item: item[1])


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
    """Drop every fact dated after ``as_of``: the one place where time is filtered.

    A figure counts once it is public and its fiscal year has begun; an action's later status
    changes are read on the date by :func:`status_on`.
    """
    return _Known(
        awards=[
            award
            for award in inputs.awards
            if award.fiscal_year <= fiscal_year and public_on(award) <= as_of
        ],
        stances=[period for period in inputs.stances if period.effective_from <= as_of],
        statements=[stmt for stmt in inputs.statements if stmt.said_on <= as_of],
        actions=[action for action in inputs.actions if action.issued_on <= as_of],
    )


def _conditioned(programs: Iterable[ProgramFact]) -> dict[str, ProgramFact]:
    """Programs with immigration conditions, by ALN (duplicates resolve by name, stably)."""
    found: dict[str, ProgramFact] = {}
    for program in programs:
        if program.conditions_attach:
            seen = found.get(program.aln)
            if seen is None or program.name < seen.name:
                found[program.aln] = program
    return found


_KIND_RANK = {kind: rank for rank, kind in enumerate(w.FIGURE_KINDS) if kind != "budget"}


class Year(NamedTuple):
    """The figure of one program and fiscal year: the amount of its most reliable kind, that
    kind, and whether it is approximate (rounded by its source, or an estimate)."""

    amount: int
    kind: str
    approximate: bool


def _figures_by_year(
    conditioned: dict[str, ProgramFact], awards: Iterable[AwardFact], first_year: int
) -> dict[str, dict[int, Year]]:
    """Per conditioned program and fiscal year (from ``first_year`` on), the most reliable
    kind of figure known (an award over an allocation over an estimate), summed."""
    best: dict[str, dict[int, Year]] = {}
    for award in awards:
        year = award.fiscal_year
        rank = _KIND_RANK.get(award.kind)
        if year < first_year or rank is None or award.aln not in conditioned:
            continue
        years = best.setdefault(award.aln, {})
        seen = years.get(year)
        approximate = award.approximate or award.kind == "estimate"
        if seen is None or rank < _KIND_RANK[seen.kind]:
            years[year] = Year(award.amount_usd, award.kind, approximate)
        elif award.kind == seen.kind:
            years[year] = Year(
                seen.amount + award.amount_usd, seen.kind, seen.approximate or approximate
            )
    return best


def _money_in_scope(
    conditioned: dict[str, ProgramFact], awards: Iterable[AwardFact], fiscal_year: int
) -> tuple[dict[str, a.Money], dict[str, dict[int, Year]]]:
    """Per conditioned program: (current award, earlier look-back years, current award's year),
    and the figures by year it comes from.

    The current award is the program's most recent fiscal year on or before ``fiscal_year``,
    carried forward when no newer figure exists, but no older than
    CURRENT_AWARD_CARRY_FORWARD_YEARS. Every other year of the clawback look-back window is
    "prior" money, which only a clawback brings into exposure. A year whose net amount is not
    positive counts as zero (and, as the most recent on record, leaves no current award).
    """
    first_prior = fiscal_year - w.CLAWBACK_LOOKBACK_YEARS
    oldest_current = fiscal_year - w.CURRENT_AWARD_CARRY_FORWARD_YEARS
    by_program = _figures_by_year(conditioned, awards, min(first_prior, oldest_current))
    money: dict[str, a.Money] = {}
    for aln, years in by_program.items():
        latest = max(years)
        if latest < oldest_current:
            latest = 0  # too stale to stand in for the current year: no current award
        current = prior = current_year = 0
        for year, figure in years.items():
            if figure.amount > 0:
                if year == latest:
                    current, current_year = figure.amount, year
                elif year >= first_prior:
                    prior += figure.amount
        if current or prior:
            money[aln] = (current, prior, current_year)
    return money, by_program


def _row_is_approximate(years: dict[int, Year], current_year: int, first_prior: int,
                        with_prior: bool) -> bool:  # fmt: skip
    """Whether a figure in a program row's exposure is approximate: its current award, and,
    when a clawback brings them in, the look-back years."""
    return any(
        figure.approximate
        for year, figure in years.items()
        if figure.amount > 0
        and (year == current_year or (with_prior and first_prior <= year != current_year))
    )


def _data_gaps(
    *,
    period: StancePeriod | None,
    conditioned: dict[str, ProgramFact],
    awards: Iterable[AwardFact],
    fiscal_year: int,
    approximate: bool,
) -> tuple[str, ...]:
    """What the figures lack on the date (``weights.DATA_GAPS``), in that list's order:
    no stance period; no figure known for any conditioned program within the carry-forward
    limit (an older one cannot count); the newest such figure older than STALE_AWARD_YEARS
    fiscal years; an approximate figure in exposure."""
    oldest = fiscal_year - w.CURRENT_AWARD_CARRY_FORWARD_YEARS
    years = [
        award.fiscal_year
        for award in awards
        if award.aln in conditioned and award.kind in _KIND_RANK and award.fiscal_year >= oldest
    ]
    gaps = []
    if period is None:
        gaps.append("no_stance")
    if not years:
        gaps.append("no_awards")
    elif max(years) < fiscal_year - w.STALE_AWARD_YEARS:
        gaps.append("stale_awards")
    if approximate:
        gaps.append("approximate")
    return tuple(gaps)


def _actions_in_force(
    actions: Iterable[ActionFact], *, as_of: date, stance: str
) -> tuple[list[ActionFact], list[ActionFact]]:
    """Split the actions in effect on the date that reach the jurisdiction
    (:func:`reach.reaches`) into adverse and protective ones (injunctions, rescissions);
    actions with no funding effect of their own are left out."""
    adverse: list[ActionFact] = []
    protective: list[ActionFact] = []
    for action in actions:
        protects = action.effect in w.PROTECTIVE_EFFECTS
        if not (protects or action.effect in a.INDEX):
            continue
        status = status_on(action, as_of)
        if status.status not in w.ACTIVE_STATUSES:
            continue
        if reaches(
            effect=action.effect,
            targets_all_sanctuary=action.targets_all_sanctuary and not status.listed_only,
            listed=action.targets_jurisdiction,
            stance=stance,
        ):
            (protective if protects else adverse).append(action)
    return adverse, protective


class Frame(NamedTuple):
    """What holds between two dated changes of the inputs: the facts known, the stance, the
    money in scope and which actions bear on it. Only the statements' weights (and so the
    factor ``k``, funding at risk and the score) move with the date inside a frame."""

    fiscal_year: int
    period: StancePeriod | None
    stance: str
    factor: float
    statements: list[StatementFact]
    conditioned: dict[str, ProgramFact]
    money: dict[str, a.Money]
    adverse: list[ActionFact]
    protective: list[ActionFact]
    bearing: a.Bearing
    rows: list[tuple[str, a.Row | None]]  # per program in scope: its row, or None if unborne
    programs: list[tuple[str, int, int, int | None, str | None, bool]]  # per row shown
    data_gaps: tuple[str, ...]


def frame(inputs: RiskInputs, *, as_of: date) -> Frame:
    """The frame of ``as_of``: every part of the assessment but the statements' decay."""
    fiscal_year = federal_fiscal_year(as_of)
    known = _known_on(inputs, as_of=as_of, fiscal_year=fiscal_year)
    period = stance_at(known.stances, as_of)
    stance = period.code if period is not None else w.BASELINE_STANCE
    conditioned = _conditioned(inputs.programs)
    money, by_year = _money_in_scope(conditioned, known.awards, fiscal_year)
    adverse, protective = _actions_in_force(known.actions, as_of=as_of, stance=stance)
    bearing = a.bear(adverse, protective, money)
    first_prior = fiscal_year - w.CLAWBACK_LOOKBACK_YEARS
    rows: list[tuple[str, a.Row | None]] = []
    programs = []
    any_approximate = False
    for aln in sorted(money):
        counts = bearing.counts.get(aln)
        row = None if counts is None else a.row(money[aln], counts)
        rows.append((aln, row))
        row_exposure = money[aln][0] if row is None else row[0]
        if row_exposure:
            current_year = money[aln][2]
            approximate = _row_is_approximate(
                by_year[aln], current_year, first_prior, row_exposure > money[aln][0]
            )
            any_approximate = any_approximate or approximate
            kind = by_year[aln][current_year].kind if current_year else None
            programs.append(
                (aln, row_exposure, 0 if row is None else row[1], current_year or None, kind,
                 approximate)
            )  # fmt: skip
    gaps = _data_gaps(
        period=period,
        conditioned=conditioned,
        awards=known.awards,
        fiscal_year=fiscal_year,
        approximate=any_approximate,
    )
    return Frame(
        fiscal_year, period, stance, w.STANCE_FACTOR.get(stance, a.BASELINE_FACTOR),
        known.statements, conditioned, money, adverse, protective, bearing, rows, programs,
        gaps,
    )  # fmt: skip


def figures(
    inputs: RiskInputs, current: Frame, *, as_of: date, explain: bool = False
) -> Assessment:
    """The assessment as of a date inside ``current``'s frame: the statements' weights on the
    date give ``k``, and with it funding at risk and the score."""
    weighted = a.statement_weights(current.statements, as_of)
    k = a.disposition(current.factor, *a.sides([weight for _, _, weight in weighted]))
    likelihood = a.likelihood(current.bearing.jurisdiction, k)
    live: list[tuple[str, a.Row]] = []
    at_risk: dict[str, int] = {}
    exposure = max_at_risk = funding = 0
    for aln, row in current.rows:
        if row is None:  # nothing bears on this program: exposure only
            exposure += current.money[aln][0]
            at_risk[aln] = 0
            continue
        live.append((aln, row))
        amount = at_risk[aln] = a.at_risk(row, k)
        exposure += row[0]
        max_at_risk += row[1]
        funding += amount
    programs = tuple(
        ProgramRisk(
            aln, current.conditioned[aln].name, row_exposure, row_max, at_risk[aln],
            award_fiscal_year=year, figure_kind=kind, approximate=approximate,
        )
        for aln, row_exposure, row_max, year, kind, approximate in current.programs
    )  # fmt: skip
    if exposure > w.MAX_FIGURE_USD:
        raise FigureOutOfRange(
            f"exposure of ${exposure:,} is above the ${w.MAX_FIGURE_USD:,} that any figure may "
            "reach: an award on record is out of range"
        )
    drivers: tuple[Driver, ...] = ()
    if explain:
        state = a.State(
            current.money, current.bearing, live, at_risk, funding, current.factor, k,
            likelihood, current.fiscal_year,
        )  # fmt: skip
        drivers = drivers_for(
            state,
            period=current.period,
            since=stance_since(inputs.stances, as_of),
            weighted=weighted,
            adverse=current.adverse,
            protective=current.protective,
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
        stance=current.stance,
        programs=programs,
        drivers=drivers,
        data_gaps=current.data_gaps,
    )


def assess(inputs: RiskInputs, *, as_of: date, explain: bool = True) -> Assessment:
    """Assess one jurisdiction's federal funding at risk as of ``as_of``.

    Pure and deterministic: equal inputs, in any order, give an equal result. See the module
    docstring and the README (section "How funding at risk is computed") for the method. With
    ``explain=False`` the drivers are left out (the figures and data gaps are the same): the
    timelines need only the figures, at many dates.
    """
    return figures(inputs, frame(inputs, as_of=as_of), as_of=as_of, explain=explain)
