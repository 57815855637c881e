"""Settings of the Celery worker the pipeline tests start: the test settings, pointed at the
test database the test run created (pytest-django names it ``test_<name>``)."""

import os

from compliance.settings.test import *  # noqa: F403
from compliance.settings.test import DATABASES, env

DATABASES["default"]["NAME"] = os.environ["RISK_TEST_DATABASE_NAME"]
DATABASES["default"]["CONN_MAX_AGE"] = 0
# Makes a recompute slow on purpose, so a test can kill the worker in the middle of it.
RISK_TEST_SLEEP_SECONDS = env.float("RISK_TEST_SLEEP_SECONDS", default=0)
# Scan for messages of dead workers every second instead of every ~100 s, so a redelivery
# after the (short, test-only) visibility timeout happens within the test's patience.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
# A fault test reaches PostgreSQL through a proxy of its own, whose stop is the outage.
if os.environ.get("FAULTS_DATABASE_PORT"):
    DATABASES["default"]["HOST"] = "127.0.0.1"
    DATABASES["default"]["PORT"] = os.environ["FAULTS_DATABASE_PORT"]
