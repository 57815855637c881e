"""Property-based run of every operation of the published OpenAPI schema (schemathesis).

Each operation gets a bounded number of generated requests; none may answer with a server
error, and every documented response must match its schema. Writes run with an editor token.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from rest_framework.settings import api_settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from compliance.wsgi import application
from tests.factories import (
    FederalActionFactory,
    GrantAwardFactory,
    GrantProgramFactory,
    JurisdictionFactory,
    OfficialFactory,
    PolicyStanceFactory,
    RiskAssessmentFactory,
    StatementFactory,
)

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "50"))
# CI replays the same examples; set SCHEMATHESIS_RANDOM=1 to explore new ones locally.
DERANDOMIZE = not os.environ.get("SCHEMATHESIS_RANDOM")


@pytest.fixture
def seeded(db, editor_user):
    """A little of everything, so generated requests sometimes find real records."""
    program = GrantProgramFactory(aln="16.738")
    city = JurisdictionFactory(slug="gotham-ny")
    PolicyStanceFactory(jurisdiction=city, effective_from=dt.date(2014, 1, 1))
    OfficialFactory(jurisdiction=city)
    StatementFactory(jurisdiction=city)
    FederalActionFactory(targets=[city], programs=[program])
    GrantAwardFactory(jurisdiction=city, program=program)
    RiskAssessmentFactory(jurisdiction=city)
    token, _ = Token.objects.get_or_create(user=editor_user)
    return token.key


@pytest.fixture
def unthrottled():
    """High rates, and the test's database connection kept open between WSGI requests (as
    Django's test client does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with override_settings(
            REST_FRAMEWORK={
                **api_settings.user_settings,
                "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"},
            }
        ):
            yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=DERANDOMIZE,
)
def test_every_operation_answers_without_server_errors(case, seeded, unthrottled):
    headers = {"Authorization": f"Token {seeded}"} if case.method != "GET" else None
    case.call_and_validate(
        headers=headers, checks=[not_a_server_error, response_schema_conformance]
    )
