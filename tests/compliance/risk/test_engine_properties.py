"""The SPEC's invariants of the funding-at-risk method, as property-based tests (no database)."""

from __future__ import annotations

import dataclasses
import itertools
import os
import re
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.risk import (
    Assessment,
    AwardFact,
    ProgramFact,
    RiskInputs,
    StancePeriod,
    assess,
    federal_fiscal_year,
)
from compliance.risk import weights as w
from compliance.risk.engine import level_for
from compliance.risk.periods import public_on
from compliance.risk.timeline import earliest_record, point_on, timeline
from compliance.risk.types import ActionFact, StatusChange

from .strategies import (
    ADVERSE_EFFECTS,
    ALNS,
    EXTRA_ID,
    FIRST_DAY,
    action_fact,
    as_of_dates,
    dates_between,
    risk_inputs,
    statement_fact,
)

# Around 100 examples per property keeps the whole module to a few seconds; set
# RISK_EXAMPLES=5000 for a deeper search before changing the method.
fast = settings(max_examples=int(os.environ.get("RISK_EXAMPLES", "100")), deadline=None)

SEVERITY_ORDER = ("none", *ADVERSE_EFFECTS)
STANCE_ORDER = ("enforcing", "cooperative", "unknown", "partial", "sanctuary")


def _plus(inputs: RiskInputs, **extra: tuple) -> RiskInputs:
    """The same inputs with more facts appended to the named fields."""
    return dataclasses.replace(
        inputs, **{name: getattr(inputs, name) + facts for name, facts in extra.items()}
    )


def _until(as_of: date) -> st.SearchStrategy[date]:
    """Dates on or before ``as_of``."""
    return dates_between(FIRST_DAY, as_of)


def _after(as_of: date) -> st.SearchStrategy[date]:
    """Dates after ``as_of``."""
    return dates_between(as_of + timedelta(days=1), date(2028, 12, 31))


def _assert_not_above(lower: Assessment, upper: Assessment) -> None:
    """Every money field and the score of ``lower`` are at most those of ``upper``."""
    assert lower.funding_at_risk_usd <= upper.funding_at_risk_usd
    assert lower.max_at_risk_usd <= upper.max_at_risk_usd
    assert lower.exposure_usd <= upper.exposure_usd
    assert lower.score <= upper.score


@fast
@given(risk_inputs(), as_of_dates)
def test_money_is_ordered_and_the_breakdown_adds_up(inputs: RiskInputs, as_of: date) -> None:
    result = assess(inputs, as_of=as_of)

    assert 0 <= result.funding_at_risk_usd <= result.max_at_risk_usd <= result.exposure_usd
    for row in result.programs:
        assert 0 <= row.funding_at_risk_usd <= row.max_at_risk_usd <= row.exposure_usd
    assert sum(row.exposure_usd for row in result.programs) == result.exposure_usd
    assert sum(row.max_at_risk_usd for row in result.programs) == result.max_at_risk_usd
    assert sum(row.funding_at_risk_usd for row in result.programs) == result.funding_at_risk_usd
    assert 0 <= result.score <= 100
    assert result.level == level_for(result.score)
    assert result.method_version == w.METHOD_VERSION
    alns = [row.aln for row in result.programs]
    assert alns == sorted(alns)
    keys = [(-d.contribution_usd, -d.contribution_score, d.evidence_kind) for d in result.drivers]
    assert keys == sorted(keys)


@fast
@given(risk_inputs(), as_of_dates, st.data())
def test_a_defiant_statement_never_lowers_risk(
    inputs: RiskInputs, as_of: date, data: st.DataObject
) -> None:
    statement = data.draw(statement_fact(EXTRA_ID, positions=("defiant",), on=_until(as_of)))

    before = assess(inputs, as_of=as_of)
    after = assess(_plus(inputs, statements=(statement,)), as_of=as_of)

    assert after.funding_at_risk_usd >= before.funding_at_risk_usd
    assert after.score >= before.score


@fast
@given(risk_inputs(), as_of_dates, st.data())
def test_a_conciliatory_or_supportive_statement_never_raises_risk(
    inputs: RiskInputs, as_of: date, data: st.DataObject
) -> None:
    positions = ("conciliatory", "supportive", "neutral")
    statement = data.draw(statement_fact(EXTRA_ID, positions=positions, on=_until(as_of)))

    before = assess(inputs, as_of=as_of)
    after = assess(_plus(inputs, statements=(statement,)), as_of=as_of)

    assert after.funding_at_risk_usd <= before.funding_at_risk_usd
    assert after.score <= before.score


@fast
@given(risk_inputs(), as_of_dates, st.data())
def test_an_injunction_covering_the_jurisdiction_never_raises_risk(
    inputs: RiskInputs, as_of: date, data: st.DataObject
) -> None:
    effect = data.draw(st.sampled_from(sorted(w.PROTECTIVE_EFFECTS)))
    shield = data.draw(action_fact(EXTRA_ID, effects=(effect,), on=_until(as_of)))
    listed = data.draw(st.booleans())
    # Covers the jurisdiction: names it, or is for every sanctuary jurisdiction.
    shield = dataclasses.replace(
        shield, targets_jurisdiction=listed, targets_all_sanctuary=not listed
    )

    before = assess(inputs, as_of=as_of)
    after = assess(_plus(inputs, actions=(shield,)), as_of=as_of)

    _assert_not_above(after, before)


@fast
@given(risk_inputs(), as_of_dates, st.data())
def test_a_more_severe_action_never_lowers_risk(
    inputs: RiskInputs, as_of: date, data: st.DataObject
) -> None:
    milder = data.draw(st.integers(min_value=0, max_value=len(SEVERITY_ORDER) - 1))
    harsher = data.draw(st.integers(min_value=milder, max_value=len(SEVERITY_ORDER) - 1))
    action = data.draw(action_fact(EXTRA_ID, on=_until(as_of)))
    mild = dataclasses.replace(action, effect=SEVERITY_ORDER[milder])
    harsh = dataclasses.replace(action, effect=SEVERITY_ORDER[harsher])

    _assert_not_above(
        assess(_plus(inputs, actions=(mild,)), as_of=as_of),
        assess(_plus(inputs, actions=(harsh,)), as_of=as_of),
    )


def test_severities_follow_the_effect_order() -> None:
    severities = [w.ACTION_SEVERITY[effect] for effect in SEVERITY_ORDER]
    assert severities == sorted(severities)
    assert severities[0] == 0
    assert w.STATEMENT_WEIGHT["defiant"] > 0 >= w.STATEMENT_WEIGHT["conciliatory"]
    assert w.CURRENT_AWARD_CARRY_FORWARD_YEARS >= 0
    assert w.CLAWBACK_LOOKBACK_YEARS >= 0


@fast
@given(risk_inputs(), as_of_dates, _until(date(2026, 12, 31)))
def test_a_less_defiant_stance_never_scores_above_a_more_defiant_one(
    inputs: RiskInputs, as_of: date, since: date
) -> None:
    """In particular, cooperative never scores above sanctuary with all else equal."""
    since = min(since, as_of)
    results = [
        assess(dataclasses.replace(inputs, stances=(StancePeriod(1, code, since),)), as_of=as_of)
        for code in STANCE_ORDER
    ]

    for lower, upper in itertools.pairwise(results):
        _assert_not_above(lower, upper)


_CARRIED = re.compile(r"The (\d\d\.\d{3}) figure is based on its FY(\d{4}) award")


def _reference_money(inputs: RiskInputs, as_of: date) -> dict[str, tuple[int, int, int | None]]:
    """Per conditioned program: (current award, prior look-back money, current award's year),
    re-deriving the scope rules of the method independently of the engine.

    The current award is the latest fiscal year on record on or before the as-of fiscal year,
    at most CURRENT_AWARD_CARRY_FORWARD_YEARS old; prior money is every other year of the
    clawback look-back with a positive net amount.
    """
    fiscal_year = federal_fiscal_year(as_of)
    conditioned = {p.aln for p in inputs.programs if p.conditions_attach}
    ranks = ("award", "allocation", "estimate")  # most reliable first; budgets never count
    money = {}
    for aln in conditioned:
        by_kind: dict[int, dict[str, int]] = {}
        for award in inputs.awards:
            if (
                award.aln == aln
                and award.fiscal_year <= fiscal_year
                and award.kind in ranks
                and public_on(award) <= as_of
            ):
                kinds = by_kind.setdefault(award.fiscal_year, {})
                kinds[award.kind] = kinds.get(award.kind, 0) + award.amount_usd
        years = {
            year: next(kinds[kind] for kind in ranks if kind in kinds)
            for year, kinds in by_kind.items()
        }
        if not years:
            continue
        latest = max(years)
        carried = fiscal_year - latest <= w.CURRENT_AWARD_CARRY_FORWARD_YEARS
        current = max(years[latest], 0) if carried else 0
        prior = sum(
            amount
            for year, amount in years.items()
            if amount > 0
            and fiscal_year - year <= w.CLAWBACK_LOOKBACK_YEARS
            and not (carried and year == latest)
        )
        money[aln] = (current, prior, latest if current else None)
    return money


def _has_prior_year_money(inputs: RiskInputs, as_of: date, clawback: ActionFact) -> bool:
    """Whether a covered, conditioned program has money in a look-back year other than its
    current award's (the years a clawback adds)."""
    money = _reference_money(inputs, as_of)
    return any(
        prior > 0
        for aln, (_, prior, _) in money.items()
        if clawback.covers_all_programs or aln in clawback.programs
    )


@fast
@given(risk_inputs(), as_of_dates)
def test_exposure_is_the_latest_award_on_record_within_the_carry_forward_limit(
    inputs: RiskInputs, as_of: date
) -> None:
    """Without actions (so without clawbacks) exposure is each conditioned program's current
    award: the most recent on record, carried forward up to the limit."""
    quiet = dataclasses.replace(inputs, actions=())
    money = _reference_money(quiet, as_of)

    result = assess(quiet, as_of=as_of)

    assert result.exposure_usd == sum(current for current, _, _ in money.values())
    assert {row.aln: (row.exposure_usd, row.award_fiscal_year) for row in result.programs} == {
        aln: (current, year) for aln, (current, _, year) in money.items() if current
    }
    # With the actions, every driver that names the fiscal year of a figure names the year of
    # the program's current award, and only when it is older than the as-of fiscal year.
    fiscal_year = federal_fiscal_year(as_of)
    for driver in assess(inputs, as_of=as_of).drivers:
        for aln, year in _CARRIED.findall(driver.sentence):
            assert money[aln][2] == int(year) < fiscal_year


@fast
@given(risk_inputs(), as_of_dates, st.data())
def test_an_award_older_than_the_carry_forward_limit_has_no_effect(
    inputs: RiskInputs, as_of: date, data: st.DataObject
) -> None:
    stale_year = federal_fiscal_year(as_of) - w.CURRENT_AWARD_CARRY_FORWARD_YEARS - 1
    award = AwardFact(
        EXTRA_ID,
        data.draw(st.sampled_from(ALNS)),
        data.draw(st.integers(stale_year - 5, stale_year)),
        data.draw(st.integers(1, 10_000_000)),
    )

    assert assess(_plus(inputs, awards=(award,)), as_of=as_of) == assess(inputs, as_of=as_of)


def _as_the_selector_reads(inputs: RiskInputs, as_of: date) -> RiskInputs:
    """Only the awards the database selector reads: every year from the clawback window on,
    and, per program with no public figure in the window up to the as-of year, only the
    latest older year with a public figure within the carry-forward limit (every row of it)."""
    fiscal_year = federal_fiscal_year(as_of)
    first_year = fiscal_year - w.CLAWBACK_LOOKBACK_YEARS
    oldest = fiscal_year - w.CURRENT_AWARD_CARRY_FORWARD_YEARS

    def public(award: AwardFact) -> bool:
        return award.kind != "budget" and public_on(award) <= as_of

    in_window = {
        a.aln for a in inputs.awards if first_year <= a.fiscal_year <= fiscal_year and public(a)
    }
    latest_older: dict[str, int] = {}
    for award in inputs.awards:
        if (
            oldest <= award.fiscal_year < first_year
            and award.aln not in in_window
            and public(award)
        ):
            latest_older[award.aln] = max(award.fiscal_year, latest_older.get(award.aln, 0))
    awards = tuple(
        award
        for award in inputs.awards
        if award.fiscal_year >= first_year or award.fiscal_year == latest_older.get(award.aln)
    )
    return dataclasses.replace(inputs, awards=awards)


@fast
@given(risk_inputs(), as_of_dates)
def test_the_awards_the_selector_leaves_unread_cannot_change_the_result(
    inputs: RiskInputs, as_of: date
) -> None:
    assert assess(_as_the_selector_reads(inputs, as_of), as_of=as_of) == assess(inputs, as_of=as_of)


def test_a_2017_award_counts_as_of_2026_11_25_and_a_2010_award_does_not() -> None:
    as_of = date(2026, 11, 25)  # federal fiscal year 2027
    programs = (ProgramFact("16.738", "Byrne JAG", conditions_attach=True),)

    def exposure(year: int) -> int:
        awards = (AwardFact(1, "16.738", year, 1_000_000),)
        inputs = RiskInputs(jurisdiction_id=1, programs=programs, awards=awards)
        return assess(inputs, as_of=as_of).exposure_usd

    assert exposure(2017) == 1_000_000
    assert exposure(2010) == 0


@fast
@given(risk_inputs(), as_of_dates, st.data())
def test_a_clawback_brings_prior_disbursed_years_into_exposure(
    inputs: RiskInputs, as_of: date, data: st.DataObject
) -> None:
    clawback = data.draw(
        action_fact(EXTRA_ID, effects=("clawback",), statuses=("in_effect",), on=_until(as_of))
    )
    clawback = dataclasses.replace(clawback, targets_jurisdiction=True)

    before = assess(inputs, as_of=as_of)
    after = assess(_plus(inputs, actions=(clawback,)), as_of=as_of)
    assert after.exposure_usd >= before.exposure_usd

    # With nothing to block it and no other clawback, it adds the prior years of the look-back.
    unshielded = dataclasses.replace(
        inputs,
        actions=tuple(
            a for a in inputs.actions if a.effect not in {"clawback", *w.PROTECTIVE_EFFECTS}
        ),
    )
    before = assess(unshielded, as_of=as_of)
    after = assess(_plus(unshielded, actions=(clawback,)), as_of=as_of)
    if _has_prior_year_money(inputs, as_of, clawback):
        assert after.exposure_usd > before.exposure_usd
    else:
        assert after.exposure_usd >= before.exposure_usd


@fast
@given(risk_inputs(), as_of_dates, st.data())
def test_facts_dated_after_as_of_have_no_effect(
    inputs: RiskInputs, as_of: date, data: st.DataObject
) -> None:
    later = _after(as_of)
    statements = tuple(
        data.draw(statement_fact(EXTRA_ID + n, on=later))
        for n in range(data.draw(st.integers(1, 3)))
    )
    actions = tuple(
        data.draw(action_fact(EXTRA_ID + n, on=later)) for n in range(data.draw(st.integers(1, 3)))
    )
    stance = StancePeriod(EXTRA_ID, data.draw(st.sampled_from(STANCE_ORDER)), data.draw(later))
    award = AwardFact(
        EXTRA_ID,
        data.draw(st.sampled_from(ALNS)),
        federal_fiscal_year(as_of) + 1,
        data.draw(st.integers(1, 10_000_000)),
    )

    with_future = _plus(
        inputs, statements=statements, actions=actions, stances=(stance,), awards=(award,)
    )

    assert assess(with_future, as_of=as_of) == assess(inputs, as_of=as_of)


@fast
@given(risk_inputs(), as_of_dates, st.data())
def test_inactive_actions_have_no_effect(
    inputs: RiskInputs, as_of: date, data: st.DataObject
) -> None:
    """Enjoined, rescinded, vacated and expired actions count only before their status began."""
    statuses = tuple(s for s in w.STATUSES if s not in w.ACTIVE_STATUSES)
    action = data.draw(action_fact(EXTRA_ID, statuses=statuses, on=_until(as_of)))
    since = data.draw(dates_between(action.issued_on, as_of))
    status = data.draw(st.sampled_from(statuses))
    action = dataclasses.replace(action, statuses=(StatusChange(since, status),))

    assert assess(_plus(inputs, actions=(action,)), as_of=as_of) == assess(inputs, as_of=as_of)


@fast
@given(risk_inputs(), as_of_dates, st.data())
def test_the_result_is_deterministic_and_ignores_input_order(
    inputs: RiskInputs, as_of: date, data: st.DataObject
) -> None:
    shuffled = RiskInputs(
        jurisdiction_id=inputs.jurisdiction_id,
        programs=tuple(data.draw(st.permutations(inputs.programs))),
        awards=tuple(data.draw(st.permutations(inputs.awards))),
        stances=tuple(data.draw(st.permutations(inputs.stances))),
        statements=tuple(data.draw(st.permutations(inputs.statements))),
        actions=tuple(data.draw(st.permutations(inputs.actions))),
    )

    first = assess(inputs, as_of=as_of)
    assert assess(inputs, as_of=as_of) == first
    assert assess(shuffled, as_of=as_of) == first


def _without(inputs: RiskInputs, kind: str, evidence_id: int) -> RiskInputs:
    """The inputs without one driver's evidence; a stance is replaced by an unknown one."""
    if kind == "statement":
        return dataclasses.replace(
            inputs, statements=tuple(s for s in inputs.statements if s.id != evidence_id)
        )
    if kind in {"action", "injunction"}:
        return dataclasses.replace(
            inputs, actions=tuple(a for a in inputs.actions if a.id != evidence_id)
        )
    return dataclasses.replace(
        inputs,
        stances=tuple(
            dataclasses.replace(p, code="unknown") if p.id == evidence_id else p
            for p in inputs.stances
        ),
    )


@fast
@given(risk_inputs(), as_of_dates)
def test_each_driver_is_the_change_without_its_evidence(inputs: RiskInputs, as_of: date) -> None:
    result = assess(inputs, as_of=as_of)

    for driver in result.drivers:
        without = assess(_without(inputs, driver.evidence_kind, driver.evidence_id), as_of=as_of)
        assert result.funding_at_risk_usd - without.funding_at_risk_usd == driver.contribution_usd
        assert abs(result.score - without.score - driver.contribution_score) <= 1
        assert driver.sentence.endswith(".")


@fast
@given(risk_inputs(), as_of_dates, st.data())
def test_a_figure_published_after_as_of_changes_nothing(
    inputs: RiskInputs, as_of: date, data: st.DataObject
) -> None:
    """As of a date, only figures public by then count (SPEC: known-by dates)."""
    year = data.draw(st.integers(federal_fiscal_year(as_of) - 12, federal_fiscal_year(as_of)))
    award = AwardFact(
        EXTRA_ID,
        data.draw(st.sampled_from(ALNS)),
        year,
        data.draw(st.integers(1, 10_000_000)),
        kind=data.draw(st.sampled_from(("award", "allocation", "estimate"))),
        published_on=data.draw(_after(as_of)),
    )

    assert assess(_plus(inputs, awards=(award,)), as_of=as_of) == assess(inputs, as_of=as_of)


@fast
@given(risk_inputs(), as_of_dates, st.data())
def test_a_status_change_after_as_of_changes_nothing(
    inputs: RiskInputs, as_of: date, data: st.DataObject
) -> None:
    """An action counts on every date its recorded status was in effect, including the days
    before a later injunction, rescission or vacatur."""
    if not inputs.actions:
        return
    index = data.draw(st.integers(0, len(inputs.actions) - 1))
    action = inputs.actions[index]
    later = data.draw(_after(max(as_of, action.issued_on)))
    changed = dataclasses.replace(
        action,
        statuses=(
            *action.statuses,
            StatusChange(later, data.draw(st.sampled_from(tuple(w.STATUSES)))),
        ),
    )
    actions = (*inputs.actions[:index], changed, *inputs.actions[index + 1 :])

    assert assess(dataclasses.replace(inputs, actions=actions), as_of=as_of) == assess(
        inputs, as_of=as_of
    )


@fast
@given(risk_inputs(), as_of_dates)
def test_figures_alone_equal_the_explained_assessment(inputs: RiskInputs, as_of: date) -> None:
    """The timelines compute figures without drivers: the same figures and gaps."""
    explained = assess(inputs, as_of=as_of)
    assert assess(inputs, as_of=as_of, explain=False) == dataclasses.replace(explained, drivers=())


@fast
@given(risk_inputs(), as_of_dates, st.data())
def test_the_figure_as_of_any_day_is_the_timeline_point_in_force(
    inputs: RiskInputs, last: date, data: st.DataObject
) -> None:
    """SPEC: the result for as_of = D equals the timeline's point for D, for every date."""
    points = timeline(inputs, last=last)
    first = earliest_record(inputs)
    if first is None or first > last:
        assert points == []
        return
    day = data.draw(dates_between(first, last))
    point = point_on(points, day)
    assert point is not None
    expected = assess(inputs, as_of=day, explain=False)
    assert dataclasses.replace(point.assessment, as_of=day) == expected


@fast
@given(risk_inputs(), as_of_dates, st.data())
def test_a_timeline_rebuilt_from_a_date_continues_the_whole_one(
    inputs: RiskInputs, last: date, data: st.DataObject
) -> None:
    """The pipeline rebuilds a timeline from a changed record's date on: the same points."""
    whole = timeline(inputs, last=last)
    if not whole:
        return
    start = data.draw(dates_between(whole[0].on, last))
    before = point_on([p for p in whole if p.on < start], start)
    tail = timeline(inputs, last=last, start=start, before=before.assessment if before else None)
    assert tail == [p for p in whole if p.on >= start]
