"""Services of the recompute pipeline, against PostgreSQL and Redis; the publisher is mocked."""

from __future__ import annotations

import datetime as dt
import io
from unittest import mock

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction

from compliance.choices import StatementPosition
from compliance.models import FederalAction, RiskAssessment, Statement
from compliance.selectors.figures import risk_assessment_compute
from compliance.services import recompute
from compliance.services.recompute import (
    risk_assessment_record,
    risk_assessments_record_many,
    risk_fingerprint,
)
from compliance.services.records import (
    federal_action_create,
    federal_action_delete,
    federal_action_update,
    statement_create,
    statement_delete,
    statement_import_csv,
    statement_update,
)
from compliance.services.stale import jurisdictions_mark_stale
from compliance.tasks import recompute_jurisdictions_task, sweep_stale_jurisdictions_task
from grants.models import GrantAward
from grants.services import award_import_csv
from jurisdictions.choices import StanceBasis, StanceCode
from jurisdictions.models import Jurisdiction, PolicyStance
from jurisdictions.services import policy_stance_create
from tests.factories import (
    FederalActionFactory,
    GrantAwardFactory,
    GrantProgramFactory,
    JurisdictionFactory,
    PolicyStanceFactory,
    StatementFactory,
)
from tests.helpers import clear_queue_keys, count_queries, exposed_city

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("postgres", "redis_url")]
TODAY = dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(TODAY, tick=True):
        yield


def fresh(jurisdiction: Jurisdiction) -> Jurisdiction:
    return Jurisdiction.objects.get(pk=jurisdiction.pk)


# --- marking stale and queueing ------------------------------------------------------------


def test_mark_stale_bumps_generation_and_queues_after_commit(
    queued, django_capture_on_commit_callbacks
) -> None:
    city = JurisdictionFactory(risk_stale=False, risk_generation=7)
    with django_capture_on_commit_callbacks(execute=True):
        assert jurisdictions_mark_stale(jurisdiction_ids=[city.pk, city.pk]) == 1
        assert queued == [], "nothing is queued before the commit"
    city = fresh(city)
    assert (city.risk_stale, city.risk_generation) == (True, 8)
    assert city.risk_stale_since is not None
    assert queued == [[city.pk]]


def test_rolled_back_save_queues_nothing(queued, django_capture_on_commit_callbacks) -> None:
    city = JurisdictionFactory(risk_stale=False)

    def save_then_fail() -> None:
        with transaction.atomic():
            StatementFactory(jurisdiction=city)
            raise RuntimeError("abort")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        save_then_fail()
    assert callbacks == []
    assert queued == []
    assert fresh(city).risk_stale is False


def test_broker_error_is_logged_not_raised_and_row_stays_stale(
    django_capture_on_commit_callbacks, caplog
) -> None:
    city = JurisdictionFactory(risk_stale=False)
    with (
        mock.patch(
            "compliance.tasks.recompute_jurisdictions_task.apply_async",
            side_effect=ConnectionRefusedError("broker down"),
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        statement_create(
            statement=Statement(
                jurisdiction=city, speaker="Mayor", said_on=dt.date(2025, 5, 1), quote="No.",
                position=StatementPosition.DEFIANT, source_url="https://example.org/s",
            )
        )  # fmt: skip
    assert Statement.objects.filter(jurisdiction=city).count() == 1
    assert fresh(city).risk_stale is True
    assert "stay stale" in caplog.text


def test_a_burst_of_saves_queues_one_recompute(queued, django_capture_on_commit_callbacks) -> None:
    city = JurisdictionFactory()
    for _ in range(100):
        with django_capture_on_commit_callbacks(execute=True):
            StatementFactory(jurisdiction=city)
    assert queued == [[city.pk]]
    recompute_jurisdictions_task.apply(args=[[city.pk]])
    with django_capture_on_commit_callbacks(execute=True):
        StatementFactory(jurisdiction=city)
    assert queued == [[city.pk], [city.pk]], "after the job starts, a save queues a follow-up"


def test_fan_out_is_chunked(queued, django_capture_on_commit_callbacks) -> None:
    cities = JurisdictionFactory.create_batch(1_201)
    with django_capture_on_commit_callbacks(execute=True):
        jurisdictions_mark_stale(jurisdiction_ids=[c.pk for c in cities])
    assert [len(job) for job in queued] == [500, 500, 201]


# --- signals: what each change marks --------------------------------------------------------


def _marked(django_capture_on_commit_callbacks, queued, change) -> set[int]:
    """The ids queued by one change (waiting jobs forgotten first, so nothing coalesces)."""
    clear_queue_keys()
    queued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        change()
    return {i for job in queued for i in job}


def test_statement_moved_between_jurisdictions_marks_both(
    queued, django_capture_on_commit_callbacks
) -> None:
    old, new = JurisdictionFactory(), JurisdictionFactory()
    statement = StatementFactory(jurisdiction=old)
    marked = _marked(
        django_capture_on_commit_callbacks, queued,
        lambda: statement_update(statement=statement, data={"jurisdiction": new}),
    )  # fmt: skip
    assert marked == {old.pk, new.pk}


def test_statement_delete_marks(queued, django_capture_on_commit_callbacks) -> None:
    statement = StatementFactory()
    marked = _marked(
        django_capture_on_commit_callbacks, queued, lambda: statement_delete(statement=statement)
    )
    assert marked == {statement.jurisdiction_id}


def test_award_and_stance_saves_mark(queued, django_capture_on_commit_callbacks) -> None:
    a, b = JurisdictionFactory(), JurisdictionFactory()
    marked = _marked(
        django_capture_on_commit_callbacks, queued,
        lambda: (GrantAwardFactory(jurisdiction=a), PolicyStanceFactory(jurisdiction=b)),
    )  # fmt: skip
    assert marked == {a.pk, b.pk}


def test_action_targets_programs_and_delete_mark_the_reached(
    queued, django_capture_on_commit_callbacks
) -> None:
    a, b, c = JurisdictionFactory.create_batch(3)
    program = GrantProgramFactory()
    action = FederalActionFactory(targets=[a, b])

    assert _marked(
        django_capture_on_commit_callbacks, queued, lambda: action.targets.remove(b)
    ) == {b.pk}
    queued.clear()
    assert _marked(
        django_capture_on_commit_callbacks, queued, lambda: action.programs.add(program)
    ) == {a.pk}
    queued.clear()
    assert _marked(django_capture_on_commit_callbacks, queued, lambda: action.targets.clear()) == {
        a.pk
    }
    queued.clear()
    action.targets.set([c])
    queued.clear()
    assert _marked(
        django_capture_on_commit_callbacks, queued, lambda: federal_action_delete(action=action)
    ) == {c.pk}
    assert not FederalAction.objects.filter(pk=action.pk).exists()


def test_all_sanctuary_action_marks_every_sanctuary_jurisdiction(
    queued, django_capture_on_commit_callbacks
) -> None:
    sanctuary = PolicyStanceFactory(code=StanceCode.SANCTUARY).jurisdiction
    partial = PolicyStanceFactory(code=StanceCode.PARTIAL).jurisdiction
    cooperative = PolicyStanceFactory(code=StanceCode.COOPERATIVE).jurisdiction
    queued.clear()
    marked = _marked(
        django_capture_on_commit_callbacks, queued,
        lambda: federal_action_create(
            action=FederalAction(
                kind="executive_order", issuing_body="The White House", title="EO",
                issued_on=dt.date(2025, 1, 20), effect="threat",
                source_url="https://example.org/eo", targets_all_sanctuary=True,
                covers_all_programs=True,
            )
        ),
    )  # fmt: skip
    assert marked == {sanctuary.pk, partial.pk}
    assert cooperative.pk not in marked
    action = FederalAction.objects.get(title="EO")
    queued.clear()
    marked = _marked(
        django_capture_on_commit_callbacks, queued,
        lambda: federal_action_update(action=action, data={"targets_all_sanctuary": False}),
    )  # fmt: skip
    assert marked == {sanctuary.pk, partial.pk}, "those it stopped reaching go stale too"


def test_services_validate_before_writing() -> None:
    city = JurisdictionFactory()
    with pytest.raises(ValidationError) as error:
        statement_create(
            statement=Statement(
                jurisdiction=city, speaker="Mayor", said_on=dt.date(2025, 5, 1), quote="",
                position="furious", source_url="not a url",
            )
        )  # fmt: skip
    assert {"quote", "position", "source_url"} <= set(error.value.message_dict)
    assert not Statement.objects.exists()
    action = FederalActionFactory()
    change = {
        "status": "enjoined", "effective_from": dt.date(2000, 1, 1),
        "source_url": "https://example.org/order",
    }  # fmt: skip
    with pytest.raises(ValidationError) as error:
        federal_action_update(action=action, data={"status_changes": [change]})
    assert "status_changes[0].effective_from" in error.value.message_dict


# --- recording ------------------------------------------------------------------------------


def test_record_writes_figures_history_and_clears_stale() -> None:
    city = exposed_city()
    record = risk_assessment_record(jurisdiction_id=city.pk)
    expected = risk_assessment_compute(jurisdiction_id=city.pk, as_of=dt.date(2025, 6, 1))
    city = fresh(city)
    assert record is not None
    assert record.fingerprint == risk_fingerprint(assessment=expected)
    assert expected.funding_at_risk_usd > 0
    assert (city.funding_at_risk_usd, city.max_at_risk_usd, city.exposure_usd) == (
        expected.funding_at_risk_usd, expected.max_at_risk_usd, expected.exposure_usd,
    )  # fmt: skip
    assert (city.risk_score, city.risk_level) == (expected.score, expected.level)
    assert (city.stance, city.stance_since) == ("sanctuary", dt.date(2014, 1, 1))
    assert (city.risk_stale, city.risk_stale_since) == (False, None)
    assert record.programs[0]["aln"] == "16.738"


def test_running_twice_writes_one_history_row() -> None:
    city = exposed_city()
    first = risk_assessment_record(jurisdiction_id=city.pk)
    second = risk_assessment_record(jurisdiction_id=city.pk)
    assert first == second
    assert RiskAssessment.objects.filter(jurisdiction=city).count() == 1
    StatementFactory(jurisdiction=city, said_on=dt.date(2025, 5, 20))
    risk_assessment_record(jurisdiction_id=city.pk)
    assert RiskAssessment.objects.filter(jurisdiction=city).count() == 2


def test_a_change_during_the_computation_keeps_the_row_stale() -> None:
    city = exposed_city()
    real = recompute._compute

    def compute_then_change(*args, **kwargs):
        result = real(*args, **kwargs)
        jurisdictions_mark_stale(jurisdiction_ids=[city.pk])
        return result

    with mock.patch.object(recompute, "_compute", side_effect=compute_then_change):
        risk_assessment_record(jurisdiction_id=city.pk)
    assert fresh(city).risk_stale is True
    risk_assessment_record(jurisdiction_id=city.pk)
    assert fresh(city).risk_stale is False


def test_a_late_result_never_overwrites_a_newer_one() -> None:
    """Job A reads its inputs, a statement lands, job B records; A finishing last changes
    nothing: neither the figures nor the history."""
    city = exposed_city()
    real = recompute._compute
    late: list = []

    def compute_while_a_statement_lands(*args, **kwargs):
        result = real(*args, **kwargs)
        if not late:
            late.append(result)
            StatementFactory.create_batch(
                5, jurisdiction=city, said_on=dt.date(2025, 5, 30),
                position=StatementPosition.DEFIANT,
            )  # fmt: skip
            newer = risk_assessment_record(jurisdiction_id=city.pk)  # job B
            late.append(newer)
        return result

    with mock.patch.object(recompute, "_compute", side_effect=compute_while_a_statement_lands):
        assert risk_assessment_record(jurisdiction_id=city.pk) is None  # job A, overtaken
    old_result, newer = late
    assert old_result.assessment.funding_at_risk_usd < newer.funding_at_risk_usd
    city = fresh(city)
    assert city.funding_at_risk_usd == newer.funding_at_risk_usd
    assert city.risk_stale is False
    assert list(RiskAssessment.objects.filter(jurisdiction=city)) == [newer]


def test_missing_jurisdiction_is_skipped(caplog) -> None:
    assert risk_assessment_record(jurisdiction_id=987654321) is None
    recompute_jurisdictions_task.apply(args=[[987654321]]).get()
    assert "no longer exists" in caplog.text


def test_record_query_count_does_not_grow() -> None:
    small, large = exposed_city(), exposed_city()
    StatementFactory(jurisdiction=small)
    StatementFactory.create_batch(100, jurisdiction=large)
    program = GrantProgramFactory()
    for year in range(2000, 2100):
        GrantAwardFactory(jurisdiction=large, program=program, fiscal_year=year)

    def count(city: Jurisdiction) -> int:
        return count_queries(lambda: risk_assessment_record(jurisdiction_id=city.pk))

    assert count(small) == count(large)
    assert count(small) == count(large), "the same again with nothing to insert"


def test_many_path_matches_the_single_path() -> None:
    cities = [exposed_city() for _ in range(3)]
    StatementFactory(jurisdiction=cities[1], position=StatementPosition.CONCILIATORY)
    summary = risk_assessments_record_many(jurisdiction_ids=[c.pk for c in cities])
    assert (summary.computed, summary.history_rows) == (3, 3)
    many = {c.pk: fresh(c).funding_at_risk_usd for c in cities}
    for city in cities:
        assert risk_assessment_record(jurisdiction_id=city.pk) is not None
        assert fresh(city).funding_at_risk_usd == many[city.pk]
    assert RiskAssessment.objects.filter(jurisdiction__in=cities).count() == 3
    assert risk_assessments_record_many(jurisdiction_ids=None).history_rows == 0


def test_sweep_requeues_only_old_stale_rows(queued, settings) -> None:
    settings.RISK_SWEEP_GRACE_SECONDS = 60
    old = JurisdictionFactory(risk_stale=True, risk_stale_since=TODAY - dt.timedelta(minutes=5))
    JurisdictionFactory(risk_stale=True, risk_stale_since=TODAY + dt.timedelta(seconds=30))
    JurisdictionFactory(risk_stale=False)
    sweep_stale_jurisdictions_task.apply()
    assert queued == [[old.pk]]


# --- imports and stances --------------------------------------------------------------------


def test_statement_csv_import_is_all_or_nothing(queued, django_capture_on_commit_callbacks) -> None:
    city = JurisdictionFactory(slug="springfield-zz")
    header = "jurisdiction,speaker,said_on,quote,position,source_url\n"
    good = "springfield-zz,Mayor Quimby,2025-03-01,We stand firm.,defiant,https://example.org/a\n"
    bad = "nowhere,Someone,2025-13-01,,angry,ftp:/x\n"
    result = statement_import_csv(file=io.StringIO(header + good + bad))
    assert result.created == 0
    assert {(e.line, e.field) for e in result.errors} == {(3, "jurisdiction")}
    bad = "springfield-zz,Someone,2025-13-01,,angry,https://example.org/b\n"
    result = statement_import_csv(file=io.StringIO(header + good + bad))
    assert {e.field for e in result.errors} >= {"said_on", "quote", "position"}
    assert not Statement.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        result = statement_import_csv(file=io.BytesIO((header + good * 1).encode()))
    assert (result.created, result.errors) == (1, [])
    assert Statement.objects.get().history.count() == 1
    assert queued == [[city.pk]]


def test_award_csv_import_marks_stale_once(queued, django_capture_on_commit_callbacks) -> None:
    a = JurisdictionFactory(slug="alpha-zz")
    b = JurisdictionFactory(slug="beta-zz")
    GrantProgramFactory(aln="16.738", short_name="JAG")
    csv_text = (
        "jurisdiction,program,program_label,fiscal_year,amount_usd,source_url\n"
        "alpha-zz,16.738,,2024,1000,https://example.org/1\n"
        "beta-zz,16.738,,2024,2000,https://example.org/2\n"
        "beta-zz,,City budget federal revenue,2024,9000000,https://example.org/3\n"
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = award_import_csv(file=io.StringIO(csv_text))
    assert (result.created, result.errors) == (3, [])
    assert len(callbacks) == 1
    assert queued == [sorted([a.pk, b.pk])]
    assert GrantAward.history.count() == 3
    bad = award_import_csv(
        file=io.StringIO(
            "jurisdiction,program,fiscal_year,amount_usd,source_url\n"
            "alpha-zz,99.999,2024,-5,https://example.org/4\n"
            "alpha-zz,16.738,1900,5,https://example.org/5\n"
        )
    )
    assert bad.created == 0
    assert {(e.line, e.field) for e in bad.errors} == {
        (2, "program"),
        (2, "amount_usd"),
        (3, "fiscal_year"),
    }


def test_policy_stance_create_closes_the_open_period() -> None:
    city = JurisdictionFactory()
    first = policy_stance_create(
        stance=PolicyStance(
            jurisdiction=city, code=StanceCode.COOPERATIVE, effective_from=dt.date(2010, 1, 1),
            basis=StanceBasis.PRACTICE, source_url="https://example.org/1",
        )
    )  # fmt: skip
    policy_stance_create(
        stance=PolicyStance(
            jurisdiction=city, code=StanceCode.SANCTUARY, effective_from=dt.date(2017, 3, 1),
            basis=StanceBasis.ORDINANCE, source_url="https://example.org/2",
        )
    )  # fmt: skip
    first.refresh_from_db()
    assert first.effective_to == dt.date(2017, 2, 28)
    risk_assessment_record(jurisdiction_id=city.pk)  # the recompute the save queued
    city = fresh(city)
    assert (city.stance, city.stance_since) == ("sanctuary", dt.date(2017, 3, 1))
    with pytest.raises(ValidationError):
        policy_stance_create(
            stance=PolicyStance(
                jurisdiction=city, code=StanceCode.PARTIAL, effective_from=dt.date(2016, 1, 1),
                basis=StanceBasis.PRACTICE, source_url="https://example.org/3",
            )
        )  # fmt: skip
    assert PolicyStance.objects.filter(jurisdiction=city).count() == 2


def test_the_recompute_writes_the_stance_set_based() -> None:
    """The stance in force is copied onto each jurisdiction by the recompute alone, in bulk."""
    a, b = JurisdictionFactory(), JurisdictionFactory()
    PolicyStanceFactory(jurisdiction=a, code=StanceCode.PARTIAL, effective_from=dt.date(2020, 1, 1))
    Jurisdiction.objects.update(stance="enforcing")
    two = count_queries(lambda: risk_assessments_record_many(jurisdiction_ids=[a.pk, b.pk]))
    assert (fresh(a).stance, fresh(b).stance) == ("partial", "unknown")
    assert fresh(a).stance_since == dt.date(2020, 1, 1)
    more = [j.pk for j in JurisdictionFactory.create_batch(10)]
    for pk in more[:5]:
        PolicyStanceFactory(jurisdiction_id=pk, code=StanceCode.SANCTUARY)
    Jurisdiction.objects.update(stance="enforcing")
    assert count_queries(lambda: risk_assessments_record_many(jurisdiction_ids=more)) == two


def test_daily_refresh_moves_figures_with_the_calendar() -> None:
    from compliance.tasks import refresh_all_jurisdictions_task

    city = exposed_city()
    StatementFactory(jurisdiction=city, said_on=dt.date(2025, 5, 30))
    risk_assessment_record(jurisdiction_id=city.pk)
    before = fresh(city).funding_at_risk_usd
    # A year on, nothing was saved, but the statement has lost most of its weight.
    with time_machine.travel(TODAY + dt.timedelta(days=365), tick=False):
        assert refresh_all_jurisdictions_task.apply().get() >= 1
    after = fresh(city)
    assert after.funding_at_risk_usd < before
    assert RiskAssessment.objects.filter(jurisdiction=city).count() == 2
