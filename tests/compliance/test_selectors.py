"""The engine's inputs, read from the database with a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest

from compliance.choices import ActionEffect
from compliance.risk import assess
from compliance.risk.types import ActionFact, AwardFact, StancePeriod, StatementFact
from compliance.selectors.figures import risk_history
from compliance.selectors.inputs import risk_inputs_for, risk_inputs_for_many
from compliance.selectors.reach import jurisdiction_ids_reached_by_action
from compliance.selectors.stale import jurisdiction_ids_stale
from grants.models import GrantAward
from jurisdictions.choices import StanceCode
from jurisdictions.models import Jurisdiction
from tests.factories import (
    FederalActionFactory,
    GrantAwardFactory,
    GrantProgramFactory,
    JurisdictionFactory,
    PolicyStanceFactory,
    RiskAssessmentFactory,
    StatementFactory,
)
from tests.helpers import count_queries

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("postgres")]
AS_OF = dt.date(2025, 6, 1)
# jurisdictions, stances, statements, targets, nationwide actions, actions by id, their programs,
# status changes, blocks, programs, awards in the clawback window, older latest awards, shares
INPUT_QUERIES = 13


def fy_start(fiscal_year: int) -> dt.date:
    """The factories' publication date of an award: the first day of its fiscal year."""
    return dt.date(fiscal_year - 1, 10, 1)


def test_facts_mirror_the_rows() -> None:
    city = JurisdictionFactory()
    other = JurisdictionFactory()
    jag = GrantProgramFactory(aln="16.738", name="Byrne JAG")
    cops = GrantProgramFactory(aln="16.710", name="COPS")
    unrelated = GrantProgramFactory(aln="97.067", name="Homeland Security Grant")
    first = GrantAwardFactory(jurisdiction=city, program=jag, fiscal_year=2024, amount_usd=300)
    GrantAwardFactory(
        jurisdiction=city, program=jag, fiscal_year=2024, amount_usd=200, program_label="JAG b"
    )
    budget = GrantAwardFactory(
        jurisdiction=city, program=None, program_label="Federal revenue", amount_usd=9_999_999
    )
    GrantAwardFactory(jurisdiction=other, program=unrelated)
    stance = PolicyStanceFactory(jurisdiction=city, code=StanceCode.SANCTUARY)
    statement = StatementFactory(jurisdiction=city, said_on=dt.date(2025, 3, 1))
    listed = FederalActionFactory(targets=[city], programs=[cops])
    everyone = FederalActionFactory(targets_all_sanctuary=True, effect=ActionEffect.WITHHOLDING)
    FederalActionFactory(targets=[other])

    inputs = risk_inputs_for(jurisdiction_id=city.pk, as_of=AS_OF)

    assert inputs.jurisdiction_id == city.pk
    assert inputs.awards == (
        AwardFact(
            id=first.pk,
            aln="16.738",
            fiscal_year=2024,
            amount_usd=500,
            published_on=dt.date(2023, 10, 1),
        ),
    ), "awards of one program and year are summed; program-less figures are left out"
    assert budget.pk not in {a.id for a in inputs.awards}
    assert {p.aln for p in inputs.programs} == {"16.738", "16.710"}
    assert inputs.stances == (
        StancePeriod(id=stance.pk, code="sanctuary", effective_from=stance.effective_from),
    )
    assert inputs.statements == (
        StatementFact(id=statement.pk, said_on=dt.date(2025, 3, 1), position="defiant"),
    )
    by_id = {a.id: a for a in inputs.actions}
    assert set(by_id) == {listed.pk, everyone.pk}
    assert by_id[listed.pk].targets_jurisdiction is True
    assert by_id[listed.pk].programs == frozenset({"16.710"})
    assert by_id[everyone.pk] == ActionFact(
        id=everyone.pk, kind=everyone.kind, effect="withholding",
        issued_on=everyone.issued_on, targets_all_sanctuary=True, title=everyone.title,
    )  # fmt: skip


def test_a_listed_all_sanctuary_action_appears_once_as_a_target() -> None:
    city = JurisdictionFactory()
    action = FederalActionFactory(targets=[city], targets_all_sanctuary=True)
    actions = risk_inputs_for(jurisdiction_id=city.pk, as_of=AS_OF).actions
    assert [(a.id, a.targets_jurisdiction) for a in actions] == [(action.pk, True)]


def test_unknown_jurisdiction_raises() -> None:
    with pytest.raises(Jurisdiction.DoesNotExist):
        risk_inputs_for(jurisdiction_id=987654321, as_of=AS_OF)


def test_many_gives_the_same_facts_as_one_and_covers_empty_jurisdictions() -> None:
    cities = JurisdictionFactory.create_batch(3)
    program = GrantProgramFactory()
    for index, city in enumerate(cities[:2]):
        GrantAwardFactory(jurisdiction=city, program=program, amount_usd=1_000 * (index + 1))
        StatementFactory(jurisdiction=city)
        PolicyStanceFactory(jurisdiction=city)
    FederalActionFactory(targets=[cities[0]], programs=[program])
    FederalActionFactory(targets_all_sanctuary=True)

    ids = [c.pk for c in cities]
    many = risk_inputs_for_many(jurisdiction_ids=ids, as_of=AS_OF)
    everyone = risk_inputs_for_many(jurisdiction_ids=None, as_of=AS_OF)

    assert set(many) == set(ids)
    for city in cities:
        single = risk_inputs_for(jurisdiction_id=city.pk, as_of=AS_OF)
        assert many[city.pk] == single
        assert everyone[city.pk] == single
    assert many[cities[2].pk].awards == ()


def _queries(func) -> int:
    return count_queries(func)


def _populate(city: Jurisdiction, n: int) -> None:
    program = GrantProgramFactory()
    StatementFactory.create_batch(n, jurisdiction=city)
    GrantAwardFactory.create_batch(
        n, jurisdiction=city, program=program,
        fiscal_year=factory_years(n), program_label=factory_labels(n),
    )  # fmt: skip
    FederalActionFactory.create_batch(min(n, 20), targets=[city], programs=[program])


def factory_years(n: int):
    import factory

    return factory.Iterator(range(2000, 2000 + n))


def factory_labels(n: int):
    import factory

    return factory.Sequence(lambda i: f"label {i}")


def test_query_count_does_not_grow_with_rows() -> None:
    small, large = JurisdictionFactory(), JurisdictionFactory()
    _populate(small, 1)
    _populate(large, 100)
    assert GrantAward.objects.filter(jurisdiction=large).count() == 100

    one = _queries(lambda: risk_inputs_for(jurisdiction_id=small.pk, as_of=AS_OF))
    hundred = _queries(lambda: risk_inputs_for(jurisdiction_id=large.pk, as_of=AS_OF))
    assert one == hundred
    assert hundred <= INPUT_QUERIES


def test_many_uses_a_fixed_number_of_queries() -> None:
    cities = JurisdictionFactory.create_batch(30)
    for city in cities[::3]:
        _populate(city, 3)
    ids = [c.pk for c in cities]
    few = _queries(lambda: risk_inputs_for_many(jurisdiction_ids=ids[:1], as_of=AS_OF))
    many = _queries(lambda: risk_inputs_for_many(jurisdiction_ids=ids, as_of=AS_OF))
    everyone = _queries(lambda: risk_inputs_for_many(jurisdiction_ids=None, as_of=AS_OF))
    assert few == many <= INPUT_QUERIES
    assert everyone <= INPUT_QUERIES + 3, (
        "the national path adds a savepoint and SET LOCAL jit = off"
    )


def test_reach_of_an_action_includes_sanctuary_jurisdictions_when_it_targets_them_all() -> None:
    listed = JurisdictionFactory()
    sanctuary = PolicyStanceFactory(code=StanceCode.SANCTUARY).jurisdiction
    partial = PolicyStanceFactory(code=StanceCode.PARTIAL).jurisdiction
    PolicyStanceFactory(code=StanceCode.COOPERATIVE)
    action = FederalActionFactory(targets=[listed])
    assert jurisdiction_ids_reached_by_action(action=action) == [listed.pk]
    action.targets_all_sanctuary = True
    assert jurisdiction_ids_reached_by_action(action=action) == sorted(
        [listed.pk, sanctuary.pk, partial.pk]
    )


def test_history_is_oldest_first() -> None:
    city = JurisdictionFactory()
    later = RiskAssessmentFactory(
        jurisdiction=city, computed_at=dt.datetime(2025, 5, 1, tzinfo=dt.UTC)
    )
    earlier = RiskAssessmentFactory(
        jurisdiction=city, computed_at=dt.datetime(2025, 4, 1, tzinfo=dt.UTC)
    )
    RiskAssessmentFactory()
    assert list(risk_history(jurisdiction_id=city.pk)) == [earlier, later]


def test_stale_ids_respect_grace_and_cursor() -> None:
    now = dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC)
    old = JurisdictionFactory(risk_stale=True, risk_stale_since=now - dt.timedelta(hours=1))
    fresh = JurisdictionFactory(risk_stale=True, risk_stale_since=now)
    unknown_age = JurisdictionFactory(risk_stale=True, risk_stale_since=None)
    JurisdictionFactory(risk_stale=False)
    cutoff = now - dt.timedelta(minutes=1)
    assert jurisdiction_ids_stale(older_than=cutoff) == sorted([old.pk, unknown_age.pk])
    assert jurisdiction_ids_stale(older_than=cutoff, after_id=min(old.pk, unknown_age.pk)) == [
        max(old.pk, unknown_age.pk)
    ]
    assert fresh.pk in jurisdiction_ids_stale()


def test_before_the_clawback_window_only_the_latest_award_within_ten_years_is_read() -> None:
    from compliance.risk import assess, federal_fiscal_year
    from compliance.risk.weights import CLAWBACK_LOOKBACK_YEARS, CURRENT_AWARD_CARRY_FORWARD_YEARS

    city, other = JurisdictionFactory(), JurisdictionFactory()
    jag = GrantProgramFactory(aln="16.738", conditions_attach=True)
    cops = GrantProgramFactory(aln="16.710", conditions_attach=True)
    scaap = GrantProgramFactory(aln="16.606", conditions_attach=True)
    fiscal_year = federal_fiscal_year(AS_OF)
    first_year = fiscal_year - CLAWBACK_LOOKBACK_YEARS
    oldest = fiscal_year - CURRENT_AWARD_CARRY_FORWARD_YEARS

    def award(program, year: int, label: str, jurisdiction=city, amount: int = 1_000):
        return GrantAwardFactory(
            jurisdiction=jurisdiction, program=program, fiscal_year=year,
            program_label=label, amount_usd=amount,
        )  # fmt: skip

    # Byrne JAG has an award in the window: no older year can be current, none is read.
    kept = award(jag, first_year, "kept")
    award(jag, first_year - 1, "older")
    # COPS: nothing recent; the latest award within the limit is read, a staler one is not.
    carried = award(cops, oldest, "carried")
    award(cops, oldest - 1, "too stale")
    # SCAAP: only a future award in the window; the latest older year is read, summed.
    future = award(scaap, fiscal_year + 1, "future")
    award(scaap, first_year - 2, "older")
    latest = award(scaap, first_year - 1, "latest older", amount=300)
    also_latest = award(scaap, first_year - 1, "latest older b", amount=200)
    award(jag, first_year - 1, "someone else's", jurisdiction=other)

    inputs = risk_inputs_for(jurisdiction_id=city.pk, as_of=AS_OF)

    assert inputs.awards == (
        AwardFact(
            min(latest.pk, also_latest.pk),
            "16.606",
            first_year - 1,
            500,
            published_on=fy_start(first_year - 1),
        ),
        AwardFact(
            future.pk, "16.606", fiscal_year + 1, 1_000, published_on=fy_start(fiscal_year + 1)
        ),
        AwardFact(carried.pk, "16.710", oldest, 1_000, published_on=fy_start(oldest)),
        AwardFact(kept.pk, "16.738", first_year, 1_000, published_on=fy_start(first_year)),
    )
    everyone = risk_inputs_for_many(jurisdiction_ids=None, as_of=AS_OF)
    assert everyone[city.pk] == inputs
    assert [a.fiscal_year for a in everyone[other.pk].awards] == [first_year - 1]
    # The carried-forward awards are exposure, with the year they come from.
    result = assess(inputs, as_of=AS_OF)
    assert {(p.aln, p.exposure_usd, p.award_fiscal_year) for p in result.programs} == {
        ("16.606", 500, first_year - 1),
        ("16.710", 1_000, oldest),
        ("16.738", 1_000, first_year),
    }


def test_the_dated_read_gives_the_engine_what_every_award_gives_it() -> None:
    """The as-of read skips award years the engine cannot use; it must never skip one it
    would use. Compared with the read of every award, over dates across fifteen years."""
    city = JurisdictionFactory()
    jag = GrantProgramFactory(aln="16.738", conditions_attach=True)
    cops = GrantProgramFactory(aln="16.710", conditions_attach=True)
    PolicyStanceFactory(jurisdiction=city, code=StanceCode.SANCTUARY,
                        effective_from=dt.date(2010, 1, 1))  # fmt: skip
    FederalActionFactory(targets=[city], effect=ActionEffect.WITHHOLDING,
                         issued_on=dt.date(2012, 1, 1))  # fmt: skip
    for year, program, published in (
        (2012, jag, dt.date(2012, 3, 1)),
        (2017, jag, None),  # public at the end of its fiscal year
        (2023, jag, None),
        (2024, jag, dt.date(2025, 2, 1)),  # published after its fiscal year ended
        (2015, cops, dt.date(2015, 11, 1)),
        (2021, cops, dt.date(2020, 9, 1)),  # public before its fiscal year began
    ):
        GrantAwardFactory(jurisdiction=city, program=program, fiscal_year=year,
                          published_on=published, amount_usd=year * 1_000)  # fmt: skip
    everything = risk_inputs_for_many(jurisdiction_ids=[city.pk], as_of=None)[city.pk]
    day = dt.date(2011, 10, 1)
    while day <= dt.date(2026, 11, 1):
        dated = risk_inputs_for(jurisdiction_id=city.pk, as_of=day)
        assert assess(dated, as_of=day) == assess(everything, as_of=day), day
        day += dt.timedelta(days=37)
