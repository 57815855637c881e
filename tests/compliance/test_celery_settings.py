"""The Celery reliability settings the recompute pipeline depends on."""

from __future__ import annotations

from django.conf import settings
from django.db import InterfaceError, OperationalError

from compliance.celery import app
from compliance.tasks import recompute_jurisdictions_task, sweep_stale_jurisdictions_task


def test_tasks_are_acknowledged_late_and_given_back_when_a_worker_dies() -> None:
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_json_only() -> None:
    assert app.conf.task_serializer == "json"
    assert app.conf.result_serializer == "json"
    assert list(app.conf.accept_content) == ["json"]


def test_time_limits_sit_well_below_the_visibility_timeout_and_above_the_countdown() -> None:
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    soft, hard = app.conf.task_soft_time_limit, app.conf.task_time_limit
    assert settings.RISK_COALESCE_SECONDS < soft < hard
    assert hard * 2 <= visibility, "a running task must never look lost to Redis"


def test_publishing_gives_up_quickly_when_the_broker_is_down() -> None:
    policy = app.conf.task_publish_retry_policy
    assert policy["max_retries"] <= 3
    assert policy["interval_max"] <= 1
    assert app.conf.broker_connection_timeout <= 5


def test_recompute_task_retries_only_transient_database_errors() -> None:
    task = recompute_jurisdictions_task
    assert task.acks_late is True
    assert task.ignore_result is True
    assert set(task.autoretry_for) == {OperationalError, InterfaceError}
    # 2, 4, 8 ... s apart, at most 120 s: the first retry never comes at once, and a short
    # outage (a 12 s database stop) uses a few of the retries, not all of them.
    assert task.retry_backoff == 2
    assert task.retry_backoff_max == 120
    assert task.retry_jitter is False
    countdowns = [min(2 * 2**n, 120) for n in range(task.max_retries)]
    assert countdowns[0] >= 2
    assert sum(countdowns[:3]) >= 12
    assert sum(countdowns) >= 30 * 60


def test_beat_sweeps_stale_jurisdictions() -> None:
    schedule = app.conf.beat_schedule
    entry = next(e for e in schedule.values() if e["task"] == sweep_stale_jurisdictions_task.name)
    assert entry["schedule"].total_seconds() <= 600


def test_beat_refreshes_every_jurisdiction_daily() -> None:
    from compliance.tasks import refresh_all_jurisdictions_task

    schedule = app.conf.beat_schedule
    entry = next(e for e in schedule.values() if e["task"] == refresh_all_jurisdictions_task.name)
    assert entry["schedule"].hour == {settings.RISK_REFRESH_HOUR_UTC}
    assert entry["schedule"].day_of_week == set(range(7))
