"""A write that loses a deadlock is tried again; one that still loses is a 409, never a 500
(real PostgreSQL deadlocks between two connections)."""

from __future__ import annotations

import threading

import psycopg
import pytest
from django.db import OperationalError, connection, connections, transaction

from compliance.core.exceptions import api_exception_handler, database_unavailable
from compliance.services.writes import record_write
from jurisdictions.models import Jurisdiction
from tests.factories import JurisdictionFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgres")]


def _lock(pk: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM jurisdictions_jurisdiction WHERE id = %s FOR UPDATE", [pk])


def test_a_write_that_loses_a_deadlock_is_tried_again_and_lands() -> None:
    first, second = JurisdictionFactory(), JurisdictionFactory()
    both_hold_one = threading.Barrier(2)
    attempts: list[int] = []
    outcome: dict[str, object] = {}

    @record_write
    def write() -> str:
        attempts.append(1)
        _lock(first.pk)
        if len(attempts) == 1:
            both_hold_one.wait(timeout=10)
        _lock(second.pk)
        Jurisdiction.objects.filter(pk=first.pk).update(notes="written")
        return "landed"

    def rival() -> None:
        try:
            with transaction.atomic():
                _lock(second.pk)
                both_hold_one.wait(timeout=10)
                _lock(first.pk)
            outcome["rival"] = "landed"
        except OperationalError as error:
            outcome["rival"] = error
        finally:
            connections.close_all()

    def ours() -> None:
        try:
            outcome["ours"] = write()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ours), threading.Thread(target=rival)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcome["ours"] == "landed"
    assert Jurisdiction.objects.get(pk=first.pk).notes == "written"
    # PostgreSQL broke the deadlock by failing one side: the rival, or our first attempt.
    assert isinstance(outcome["rival"], OperationalError) or len(attempts) == 2, outcome


def test_a_deadlock_is_a_409_and_not_an_outage() -> None:
    try:
        raise OperationalError("deadlock detected") from psycopg.errors.DeadlockDetected()
    except OperationalError as error:
        lost = error
    assert not database_unavailable(lost)
    response = api_exception_handler(lost, {})
    assert response is not None
    assert response.status_code == 409
    assert "Send it again" in response.data["detail"]
    outage = OperationalError("connection refused")
    assert database_unavailable(outage)
    assert api_exception_handler(outage, {}).status_code == 503
