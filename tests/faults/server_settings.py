"""Settings of the web server the fault tests start: the test settings, on the test database
the run created (through a proxy when ``FAULTS_DATABASE_PORT`` is set), one connection per
request, and the Redis of ``REDIS_URL`` (the test's own, when it sets one)."""

import os

from compliance.settings.test import *  # noqa: F403
from compliance.settings.test import DATABASES

DATABASES["default"]["NAME"] = os.environ["RISK_TEST_DATABASE_NAME"]
DATABASES["default"]["CONN_MAX_AGE"] = 0
if os.environ.get("FAULTS_DATABASE_PORT"):
    DATABASES["default"]["HOST"] = "127.0.0.1"
    DATABASES["default"]["PORT"] = os.environ["FAULTS_DATABASE_PORT"]
