"""Test settings: the base settings with a fast hasher and nothing sent anywhere.

The settings package loads ``base`` first, so the environment must already allow a missing
secret key: `make test` exports ``DJANGO_DEBUG=true``.
"""

from . import *  # noqa: F403
from .env import env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
RISK_COALESCE_SECONDS = env.int("RISK_COALESCE_SECONDS", default=1)
