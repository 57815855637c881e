"""Settings of the gunicorn server the production-export tests start: the test settings,
pointed at the test database the test run created, with production's debug off."""

import os

from compliance.settings.test import *  # noqa: F403
from compliance.settings.test import DATABASES

DEBUG = False
DATABASES["default"]["NAME"] = os.environ["RISK_TEST_DATABASE_NAME"]
DATABASES["default"]["CONN_MAX_AGE"] = 0
API_EXPORTS_PER_PROCESS = int(os.environ.get("API_EXPORTS_PER_PROCESS", "2"))
