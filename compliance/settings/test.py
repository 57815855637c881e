"""Test settings: the development settings with a fast hasher and nothing sent anywhere."""

from .development import *  # noqa: F403
from .env import env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if "EMAIL_URL" not in env.ENVIRON:  # a test's worker may be given a real SMTP server
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
RISK_COALESCE_SECONDS = env.int("RISK_COALESCE_SECONDS", default=1)
ALERTS_WEBHOOK_ALLOW_PRIVATE = True
