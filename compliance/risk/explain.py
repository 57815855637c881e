"""Sentences that explain each driver of an assessment, in neutral words.

Pure string building, no I/O. Dollars read like ``$1,234,567``, dates are ISO 8601, and every
sentence ends with what the result would be without the evidence, so a reader can check it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from .weights import ACTION_KINDS


def dollars(amount: int) -> str:
    """Whole dollars with thousands separators: ``$1,234,567``, ``-$5``."""
    return f"-${-amount:,}" if amount < 0 else f"${amount:,}"


def _without(usd: int, points: float, lead: str = "Without it") -> str:
    """The closing clause: what funding at risk and the score would be without the evidence.

    A positive contribution means the result would be lower without the evidence.
    """
    if usd > 0:
        money = f"${usd:,} lower"
    elif usd < 0:
        money = f"${-usd:,} higher"
    else:
        money = "unchanged"
    if points > 0:
        score = f"{points:.2f} points lower"
    elif points < 0:
        score = f"{-points:.2f} points higher"
    else:
        score = "unchanged"
    return f"{lead}, funding at risk would be {money} and the score {score}."


def _programs(alns: Iterable[str]) -> str:
    """Assistance Listing numbers in order, comma-separated."""
    return ", ".join(sorted(alns))


def _award_basis(award_years: Mapping[str, int]) -> str:
    """Which fiscal year each program's figure comes from, for figures older than the as-of
    fiscal year: the latest award on record stands in for the current year's money."""
    return " ".join(
        f"The {aln} figure is based on its FY{year} award, the most recent on record."
        for aln, year in sorted(award_years.items())
    )


def _label(kind: str, title: str) -> str:
    """An action's kind in words, followed by its quoted title when it has one."""
    label = ACTION_KINDS.get(kind) or kind.replace("_", " ").capitalize()
    return f"{label} \u201c{title}\u201d" if title else label


def stance_sentence(*, code: str, since: date, usd: int, points: float) -> str:
    """Explain the stance in force on the as-of date, measured against an unknown stance."""
    return f"Stance {code} since {since.isoformat()}. " + _without(
        usd, points, lead="With an unknown stance instead"
    )


def statement_sentence(
    *, position: str, said_on: date, age_days: int, weight: float, usd: int, points: float
) -> str:
    """Explain one statement: its position, its age and the weight left after decay."""
    return (
        f"{position.capitalize()} statement of {said_on.isoformat()}, aged {age_days} days "
        f"(to the first of the month), weight {weight:+.3f} after decay. " + _without(usd, points)
    )


def action_sentence(
    *,
    kind: str,
    title: str,
    effect: str,
    issued_on: date,
    listed: bool,
    alns: Iterable[str],
    blocked_alns: Iterable[str],
    usd: int,
    points: float,
    award_years: Mapping[str, int] | None = None,
) -> str:
    """Explain one adverse federal action: how it reaches, what it bears on, what blocks it.

    ``award_years`` holds the programs it bears on whose money figure comes from an award of
    an earlier fiscal year than the as-of one, with that year.
    """
    reach = (
        "names this jurisdiction" if listed else "reaches every sanctuary or partial jurisdiction"
    )
    parts = [f"{_label(kind, title)} of {issued_on.isoformat()} ({effect}, in effect) {reach}."]
    bears = _programs(alns)
    if bears:
        parts.append(f"It bears on {bears}.")
        if award_years:
            parts.append(_award_basis(award_years))
    blocked = _programs(blocked_alns)
    if blocked:
        parts.append(f"It is blocked for {blocked} by an injunction or rescission.")
    parts.append(_without(usd, points))
    return " ".join(parts)


def protection_sentence(
    *,
    kind: str,
    title: str,
    effect: str,
    issued_on: date,
    alns: Iterable[str],
    usd: int,
    points: float,
    award_years: Mapping[str, int] | None = None,
) -> str:
    """Explain one injunction or rescission and the programs it shields.

    ``award_years`` is as for :func:`action_sentence`, over the shielded programs.
    """
    verb = "enjoins adverse actions on" if effect == "injunction" else "rescinds earlier actions on"
    parts = [
        f"{_label(kind, title)} of {issued_on.isoformat()} ({effect}, in effect) {verb} "
        f"{_programs(alns)}."
    ]
    if award_years:
        parts.append(_award_basis(award_years))
    parts.append(_without(usd, points))
    return " ".join(parts)


def stance_label(*, code: str, since: date) -> str:
    """A driver's short line for the stance: ``Stance: sanctuary since 2021-01-27``."""
    return f"Stance: {code} since {since.isoformat()}"


def statement_label(*, position: str, said_on: date) -> str:
    """A driver's short line for a statement: ``Defiant statement, 2025-04-01``."""
    return f"{position.capitalize()} statement, {said_on.isoformat()}"


def action_label(*, kind: str, title: str, effect: str, issued_on: date) -> str:
    """A driver's short line for an action: its kind and title, date and effect."""
    return f"{_label(kind, title)}, {issued_on.isoformat()} ({effect})"
