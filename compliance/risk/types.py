"""Plain, frozen inputs and outputs of the funding-at-risk engine.

Nothing here knows about Django: selectors translate ORM rows into these facts, the engine
turns them into an :class:`Assessment`, and services persist it. Codes are the lowercase
strings of SPEC.md (the same values as the ``TextChoices`` in ``choices.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol


class FigureOutOfRange(ValueError):
    """A sum of the records is larger than any figure the engine publishes."""


@dataclass(frozen=True, slots=True)
class ProgramFact:
    """A federal grant program, keyed by its Assistance Listing number (``aln``)."""

    aln: str
    name: str
    conditions_attach: bool


@dataclass(frozen=True, slots=True)
class AwardFact:
    """Money a jurisdiction received or was allocated under one program in one fiscal year.

    ``kind`` is the figure's kind (``award``, ``allocation``, ``estimate``): for one program
    and year the engine uses the best kind known on the date (an award over an allocation over
    an estimate). ``published_on`` is when the figure became public; None when unknown, and the
    figure then counts as public at the end of its federal fiscal year (30 September).
    ``approximate`` marks a rounded or estimated figure. For a member of a joint award whose
    share is not published, ``amount_usd`` is 0 and ``joint_share_unknown`` is set.
    """

    id: int
    aln: str
    fiscal_year: int
    amount_usd: int
    kind: str = "award"
    published_on: date | None = None
    approximate: bool = False
    joint_share_unknown: bool = False


class Period(Protocol):
    """Anything shaped like a stance period (a :class:`StancePeriod` or a stance row)."""

    @property
    def id(self) -> int: ...
    @property
    def code(self) -> str: ...
    @property
    def effective_from(self) -> date: ...
    @property
    def effective_to(self) -> date | None: ...


@dataclass(frozen=True, slots=True)
class StancePeriod:
    """One period of a jurisdiction's stance; ``effective_to`` is None for the current one."""

    id: int
    code: str
    effective_from: date
    effective_to: date | None = None


@dataclass(frozen=True, slots=True)
class StatementFact:
    """An official's statement: when it was said and its position toward federal demands."""

    id: int
    said_on: date
    position: str


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A change of an action's status from a date on. ``listed_only``: from then on the action
    applies only to the jurisdictions it lists (a nationwide order narrowed to the plaintiffs).
    """

    on: date
    status: str
    listed_only: bool = False


@dataclass(frozen=True, slots=True)
class Block:
    """What a protective action (injunction, rescission) blocks: one adverse action, on the
    programs listed here, or on every program it covers when ``programs`` is None."""

    action_id: int
    programs: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class ActionFact:
    """A federal action that may reach the jurisdiction.

    ``targets_jurisdiction`` is True when the jurisdiction is among the action's listed
    targets; ``targets_all_sanctuary`` when the action reaches every jurisdiction whose stance
    is sanctuary or partial (or, for a protective action, every jurisdiction). ``programs``
    holds Assistance Listing numbers; an action with ``covers_all_programs`` reaches every
    program. The action is in effect from ``issued_on``; ``statuses`` are its later changes,
    oldest first. A protective action blocks what its ``blocks`` name; with none recorded, every
    adverse action issued on or before it, on the programs it covers.
    """

    id: int
    kind: str
    effect: str
    issued_on: date
    programs: frozenset[str] = frozenset()
    covers_all_programs: bool = False
    targets_jurisdiction: bool = False
    targets_all_sanctuary: bool = False
    statuses: tuple[StatusChange, ...] = ()
    blocks: tuple[Block, ...] = ()
    title: str = ""


@dataclass(frozen=True, slots=True)
class RiskInputs:
    """Everything the engine needs to assess one jurisdiction."""

    jurisdiction_id: int
    programs: tuple[ProgramFact, ...] = ()
    awards: tuple[AwardFact, ...] = ()
    stances: tuple[StancePeriod, ...] = ()
    statements: tuple[StatementFact, ...] = ()
    actions: tuple[ActionFact, ...] = ()


@dataclass(frozen=True, slots=True)
class Driver:
    """One piece of evidence and what it contributed to the result.

    ``role`` says on which side it weighs: ``raises`` (the result would be lower without it),
    ``protects`` (higher without it) or ``none`` (no effect on this date). ``label`` is a short
    line (what and when); ``sentence`` explains it in full.
    """

    evidence_kind: str  # "stance", "statement", "action", "injunction", "award"
    evidence_id: int
    contribution_usd: int
    contribution_score: float
    sentence: str
    label: str = ""
    on: date | None = None
    role: str = "none"


@dataclass(frozen=True, slots=True)
class ProgramRisk:
    """The per-program breakdown; program rows add up to the assessment's totals."""

    aln: str
    name: str
    exposure_usd: int
    max_at_risk_usd: int
    funding_at_risk_usd: int
    # The fiscal year of the award behind the current figure (the most recent on record, which
    # may be older than the as-of fiscal year); None when the program has no current award.
    award_fiscal_year: int | None = None
    # The kind of that figure (award, allocation, estimate), and whether any figure in this
    # row's exposure is approximate (rounded by its source, or an estimate).
    figure_kind: str | None = None
    approximate: bool = False


@dataclass(frozen=True, slots=True)
class Assessment:
    """The engine's result for one jurisdiction as of one date."""

    jurisdiction_id: int
    as_of: date
    method_version: str
    exposure_usd: int
    max_at_risk_usd: int
    funding_at_risk_usd: int
    score: int
    level: str  # none, low, elevated, high, severe
    stance: str
    programs: tuple[ProgramRisk, ...] = field(default_factory=tuple)
    drivers: tuple[Driver, ...] = field(default_factory=tuple)
    # What the figures lack on this date (weights.DATA_GAPS); empty when nothing is missing.
    data_gaps: tuple[str, ...] = ()
