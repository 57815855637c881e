"""Hypothesis strategies for the risk engine's input types.

Dates cluster around the as-of dates the tests use (2023-2026) so that statements decay,
awards fall inside and outside the look-back and the carry-forward limit, and actions land
before and after ``as_of``.
Ids are unique within each kind, as they are in the database.

Generation is the slow part of a property test, so each fact is drawn from few choices: the
discrete fields of an action, for instance, come from one ``sampled_from`` over their product.
The simplest values come first in every list, so failures shrink to readable examples.
"""

from __future__ import annotations

import dataclasses
import itertools
from datetime import date, timedelta

from hypothesis import strategies as st

from compliance.risk import weights as w
from compliance.risk.types import (
    ActionFact,
    AwardFact,
    Block,
    ProgramFact,
    RiskInputs,
    StancePeriod,
    StatementFact,
    StatusChange,
)

STANCE_CODES = tuple(w.STANCES)
STATEMENT_POSITIONS = tuple(w.POSITIONS)
ACTION_EFFECTS = tuple(w.EFFECTS)
ACTION_STATUSES = tuple(w.STATUSES)

# A few real Assistance Listing numbers, and one that never has a ProgramFact.
PROGRAM_NAMES = {
    "16.738": "Edward Byrne Memorial Justice Assistance Grant Program",
    "16.710": "Public Safety Partnership and Community Policing Grants",
    "16.606": "State Criminal Alien Assistance Program",
    "16.575": "Crime Victim Assistance",
    "97.067": "Homeland Security Grant Program",
}
ALNS = tuple(PROGRAM_NAMES)
UNLISTED_ALN = "99.999"
ACTION_KINDS = (
    "doj_letter",
    "executive_order",
    "grant_condition",
    "public_list",
    "subpoena",
    "funding_withheld",
    "clawback_demand",
    "lawsuit",
    "court_ruling",
)
ADVERSE_EFFECTS = ("threat", "condition", "withholding", "clawback")

FIRST_DAY = date(2016, 1, 1)
LAST_DAY = date(2027, 12, 31)
# Extra ids for facts a test adds on top of generated inputs; never clash with generated ones.
EXTRA_ID = 1_000_000


def dates_between(first: date, last: date) -> st.SearchStrategy[date]:
    """Days from ``first`` to ``last`` inclusive, drawn as one integer offset."""
    return st.integers(min_value=0, max_value=(last - first).days).map(
        lambda offset: first + timedelta(days=offset)
    )


days = dates_between(FIRST_DAY, LAST_DAY)
as_of_dates = dates_between(date(2023, 1, 1), date(2026, 12, 31))

# Each ALN is absent, conditioned or not conditioned: 3**5 catalogues, one draw.
_CATALOGUES = tuple(
    tuple(
        ProgramFact(aln, PROGRAM_NAMES[aln], conditions_attach=choice == 1)
        for aln, choice in zip(ALNS, choices, strict=True)
        if choice != 2
    )
    for choices in itertools.product((1, 0, 2), repeat=len(ALNS))
)
_AWARD_SLOTS = tuple(
    itertools.product(
        (*ALNS, UNLISTED_ALN),
        # Recent years, then older ones that an award is carried forward from (or is too stale
        # for: FY2016 is eleven years old in FY2027, FY2010 always too old).
        (2024, 2025, 2023, 2022, 2026, 2021, 2020, 2027, 2028, 2017, 2016, 2013, 2010),
    )
)
_PROGRAM_SETS = tuple(
    frozenset(combo)
    for size in range(4)
    for combo in itertools.combinations((*ALNS, UNLISTED_ALN), size)
)
_LABELS = tuple(itertools.product(ACTION_KINDS, ("", "Notice", "Conditions for FY2025")))
_STATUS_SINCE = (None, 0, 1, 45, 200, 400, 900)  # days after the action was issued
_KINDS = ("award", "allocation", "estimate", "budget")
# Days after the start of the figure's fiscal year it was published (None: unknown).
_PUBLISHED = (None, -60, 0, 200, 400, 900)
_STANCE_LENGTH = (None, 0, 30, 365, 1200, 3000)  # days a closed period lasts


def program_facts() -> st.SearchStrategy[tuple[ProgramFact, ...]]:
    """Programs with distinct ALNs, each with or without immigration conditions."""
    return st.sampled_from(_CATALOGUES)


@st.composite
def award_fact(draw: st.DrawFn, award_id: int) -> AwardFact:
    """One award in one of the known programs (or an unlisted one), FY 2010-2028."""
    aln, fiscal_year = draw(st.sampled_from(_AWARD_SLOTS))
    amount = draw(st.integers(min_value=0, max_value=5_000_000))
    kind, published, approximate = draw(
        st.sampled_from(tuple(itertools.product(_KINDS, _PUBLISHED, (False, True))))
    )
    return AwardFact(
        id=award_id,
        aln=aln,
        fiscal_year=fiscal_year,
        amount_usd=amount,
        kind=kind,
        published_on=(
            None if published is None else date(fiscal_year - 1, 10, 1) + timedelta(days=published)
        ),
        approximate=approximate,
    )


@st.composite
def stance_period(draw: st.DrawFn, period_id: int) -> StancePeriod:
    """One stance period, open or closed."""
    code = draw(st.sampled_from(STANCE_CODES))
    start = draw(days)
    length = draw(st.sampled_from(_STANCE_LENGTH))
    end = None if length is None else start + timedelta(days=length)
    return StancePeriod(id=period_id, code=code, effective_from=start, effective_to=end)


@st.composite
def statement_fact(
    draw: st.DrawFn,
    statement_id: int,
    *,
    positions: tuple[str, ...] = STATEMENT_POSITIONS,
    on: st.SearchStrategy[date] = days,
) -> StatementFact:
    """One statement with a position from ``positions``, said on a date from ``on``."""
    position = draw(st.sampled_from(positions))
    return StatementFact(id=statement_id, said_on=draw(on), position=position)


@st.composite
def action_fact(
    draw: st.DrawFn,
    action_id: int,
    *,
    effects: tuple[str, ...] = ACTION_EFFECTS,
    statuses: tuple[str, ...] = ACTION_STATUSES,
    on: st.SearchStrategy[date] = days,
) -> ActionFact:
    """One federal action; its effect, status, targets and programs vary freely."""
    effect, status, covers_all, listed, all_sanctuary = draw(
        st.sampled_from(
            tuple(itertools.product(effects, statuses, (False, True), (True, False), (False, True)))
        )
    )
    kind, title = draw(st.sampled_from(_LABELS))
    issued_on = draw(on)
    since = draw(st.sampled_from(_STATUS_SINCE))
    changes: tuple[StatusChange, ...] = ()
    if status != "in_effect" or since is not None:
        start = issued_on + timedelta(days=since or 0)
        changes = (StatusChange(start, status, listed_only=draw(st.booleans())),)
    blocks: tuple[Block, ...] = ()
    if effect in {"injunction", "rescission"} and draw(st.booleans()):
        # A recorded scope: some of the generated actions (ids 1-6), on some programs.
        blocks = tuple(
            Block(action_id, draw(st.sampled_from((None, *_PROGRAM_SETS[1:6]))))
            for action_id in draw(st.sets(st.integers(1, 6), max_size=3))
        )
    return ActionFact(
        id=action_id,
        kind=kind,
        effect=effect,
        issued_on=issued_on,
        programs=draw(st.sampled_from(_PROGRAM_SETS)),
        covers_all_programs=covers_all,
        targets_jurisdiction=listed,
        targets_all_sanctuary=all_sanctuary,
        statuses=changes,
        blocks=blocks,
        title=title,
    )


def _numbered(fact: st.SearchStrategy, most: int) -> st.SearchStrategy[tuple]:
    """Up to ``most`` facts from ``fact`` (built with id 0), renumbered 1, 2, 3..."""
    return st.lists(fact, max_size=most).map(
        lambda facts: tuple(dataclasses.replace(f, id=n) for n, f in enumerate(facts, start=1))
    )


def risk_inputs() -> st.SearchStrategy[RiskInputs]:
    """A jurisdiction's facts; sizes stay small so hundreds of examples run in seconds."""
    return st.builds(
        RiskInputs,
        jurisdiction_id=st.integers(min_value=1, max_value=30_000),
        programs=program_facts(),
        awards=_numbered(award_fact(0), 10),
        stances=_numbered(stance_period(0), 3),
        statements=_numbered(statement_fact(0), 4),
        actions=_numbered(action_fact(0), 6),
    )
