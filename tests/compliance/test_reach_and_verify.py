"""Stale-marking follows the engine, and the consistency check finds what marking missed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance.choices import ActionEffect, ActionKind, StatementPosition
from compliance.models import FederalAction, Statement
from compliance.risk import assess
from compliance.selectors.inputs import risk_inputs_for_many
from compliance.services.recompute import risk_assessments_record_many
from compliance.services.records import federal_action_create
from compliance.services.stale import stale_marks_collected
from compliance.services.verify import risk_verify
from grants.models import GrantProgram
from jurisdictions.models import Jurisdiction
from tests.factories import (
    GrantAwardFactory,
    GrantProgramFactory,
    JurisdictionFactory,
    PolicyStanceFactory,
    StatementFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("postgres")]

DATES = (dt.date(2024, 6, 1), dt.date(2025, 3, 1), dt.date(2025, 9, 1), dt.date(2026, 6, 1))
STANCES = ("sanctuary", "partial", "cooperative", "enforcing", None)


@pytest.fixture
def world() -> list[Jurisdiction]:
    """Ten places: stances of every kind (one changing in 2025, one with none), money in two
    conditioned programs, one listed threat already in effect."""
    jag = GrantProgramFactory(aln="16.738", conditions_attach=True)
    cdbg = GrantProgramFactory(aln="14.218", conditions_attach=True)
    places = []
    for n in range(10):
        place = JurisdictionFactory()
        code = STANCES[n % len(STANCES)]
        if code is not None:
            PolicyStanceFactory(jurisdiction=place, code=code, effective_from=dt.date(2010, 1, 1),
                                effective_to=dt.date(2025, 1, 31) if n == 3 else None)  # fmt: skip
        if n == 3:
            PolicyStanceFactory(jurisdiction=place, code="sanctuary",
                                effective_from=dt.date(2025, 2, 1))  # fmt: skip
        for program in (jag, cdbg):
            for year in (2023, 2024, 2025):
                GrantAwardFactory(jurisdiction=place, program=program, fiscal_year=year,
                                  amount_usd=100_000 * (n + 1))  # fmt: skip
        places.append(place)
    StatementFactory(jurisdiction=places[0], said_on=dt.date(2025, 1, 5),
                     position=StatementPosition.DEFIANT)  # fmt: skip
    action = FederalAction.objects.create(
        kind=ActionKind.DOJ_LETTER, issuing_body="DOJ", title="Listed threat",
        issued_on=dt.date(2024, 1, 10), effect=ActionEffect.THREAT,
        source_url="https://example.org/threat",
    )  # fmt: skip
    action.targets.set(places[5:])
    action.programs.set([jag])
    return places


def _figures(ids: list[int]) -> dict[tuple[int, dt.date], tuple]:
    found = {}
    for day in DATES:
        inputs = risk_inputs_for_many(jurisdiction_ids=ids, as_of=day)
        for pk in ids:
            a = assess(inputs[pk], as_of=day)
            found[pk, day] = (a.exposure_usd, a.max_at_risk_usd, a.funding_at_risk_usd, a.score,
                              a.level, a.data_gaps, [d.evidence_id for d in a.drivers])  # fmt: skip
    return found


actions = st.fixed_dictionaries({
    "effect": st.sampled_from([e.value for e in ActionEffect]),
    "all_sanctuary": st.booleans(),
    "targets": st.sets(st.integers(0, 9), max_size=4),
    "issued_on": st.sampled_from([dt.date(2023, 5, 1), dt.date(2025, 2, 15), dt.date(2026, 1, 1)]),
    "all_programs": st.booleans(),
})  # fmt: skip


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(record=actions)
def test_an_action_marks_every_jurisdiction_whose_figures_it_changes(world, record) -> None:
    """Over generated actions: whoever the engine's figures (or explanations) change for, on
    any date, is among the jurisdictions the save marks stale."""
    ids = [p.pk for p in world]
    before = _figures(ids)
    with transaction.atomic():
        with stale_marks_collected() as marked:
            federal_action_create(
                action=FederalAction(
                    kind=ActionKind.COURT_RULING if record["effect"] in {"injunction", "rescission"}
                    else ActionKind.EXECUTIVE_ORDER,
                    issuing_body="Court", title="Generated", issued_on=record["issued_on"],
                    effect=record["effect"], targets_all_sanctuary=record["all_sanctuary"],
                    covers_all_programs=record["all_programs"],
                    source_url="https://example.org/generated",
                ),
                targets=[world[n] for n in sorted(record["targets"])],
                programs=[] if record["all_programs"] else [GrantProgram.objects.get(aln="16.738")],
            )  # fmt: skip
            changed = {pk for (pk, day), value in _figures(ids).items() if before[pk, day] != value}
            missed = changed - set(marked)
        transaction.set_rollback(True)
    assert not missed, f"changed but not marked: {sorted(missed)} for {record}"


def test_an_injunction_for_every_sanctuary_jurisdiction_leaves_no_figure_wrong(world) -> None:
    risk_assessments_record_many()
    assert risk_verify().differing == {}
    listed = Jurisdiction.objects.get(pk=world[9].pk)  # no stance: a listed threat bears on it
    assert listed.funding_at_risk_usd > 0
    federal_action_create(
        action=FederalAction(
            kind=ActionKind.COURT_RULING, issuing_body="Court", title="Nationwide injunction",
            issued_on=dt.date(2026, 1, 5), effect=ActionEffect.INJUNCTION,
            targets_all_sanctuary=True, covers_all_programs=True,
            source_url="https://example.org/injunction",
        ),
    )  # fmt: skip
    assert Jurisdiction.objects.filter(risk_stale=True).count() == len(world)
    risk_assessments_record_many(jurisdiction_ids=[p.pk for p in world])
    assert Jurisdiction.objects.get(pk=listed.pk).funding_at_risk_usd == 0
    assert risk_verify().differing == {}


def test_the_check_marks_what_a_write_past_the_signals_left_wrong(world, capsys) -> None:
    risk_assessments_record_many()
    call_command("verify_risk")
    assert "0 differ" in capsys.readouterr().out
    # A write that sends no signal (a bulk update, a hand-run SQL) marks nothing.
    Statement.objects.filter(jurisdiction=world[0]).update(position=StatementPosition.CONCILIATORY)
    assert not Jurisdiction.objects.get(pk=world[0].pk).risk_stale
    with pytest.raises(CommandError, match="1 jurisdictions held figures"):
        call_command("verify_risk")
    assert world[0].slug in capsys.readouterr().out
    assert Jurisdiction.objects.get(pk=world[0].pk).risk_stale
    risk_assessments_record_many(jurisdiction_ids=[world[0].pk])
    assert risk_verify().differing == {}
