"""Alerts: mail, the site's public address (for links in emails, feeds and webhooks), webhook
delivery and per-user limits."""

from .base import DEBUG
from .env import env

# Mail: the console in development (messages printed by ``make run``), SMTP in production.
_EMAIL = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _EMAIL["EMAIL_BACKEND"]
EMAIL_HOST = _EMAIL.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _EMAIL.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _EMAIL.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _EMAIL.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(_EMAIL.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_EMAIL.get("EMAIL_USE_SSL"))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="alerts@localhost")

# The address links in emails, feeds and webhook bodies point to.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Webhook URLs resolving to loopback, private, link-local or reserved addresses (and plain
# http) are refused unless this is true: development and tests only. Production forces false.
ALERTS_WEBHOOK_ALLOW_PRIVATE = env.bool("ALERTS_WEBHOOK_ALLOW_PRIVATE", default=DEBUG)
# A failing webhook delivery is retried with exponential backoff and jitter for this long,
# then given up; the subscription's webhook is then disabled and its owner emailed.
ALERTS_WEBHOOK_RETRY_SECONDS = env.int("ALERTS_WEBHOOK_RETRY_SECONDS", default=24 * 3600)
ALERTS_WEBHOOK_BACKOFF_SECONDS = env.float("ALERTS_WEBHOOK_BACKOFF_SECONDS", default=30.0)
ALERTS_WEBHOOK_BACKOFF_MAX_SECONDS = env.float("ALERTS_WEBHOOK_BACKOFF_MAX_SECONDS", default=3600.0)
ALERTS_WEBHOOK_TIMEOUT_SECONDS = env.float("ALERTS_WEBHOOK_TIMEOUT_SECONDS", default=5.0)
# Webhooks sent at once by one dispatch job.
ALERTS_WEBHOOK_CONCURRENCY = env.int("ALERTS_WEBHOOK_CONCURRENCY", default=16)
# Limits per user: subscriptions held, deliveries in any 24 hours, test events in an hour.
ALERTS_MAX_SUBSCRIPTIONS = env.int("ALERTS_MAX_SUBSCRIPTIONS", default=50)
ALERTS_MAX_DELIVERIES_PER_DAY = env.int("ALERTS_MAX_DELIVERIES_PER_DAY", default=2000)
ALERTS_MAX_TESTS_PER_HOUR = env.int("ALERTS_MAX_TESTS_PER_HOUR", default=10)
# The hour (UTC) the daily digests go out.
ALERTS_DIGEST_HOUR_UTC = env.int("ALERTS_DIGEST_HOUR_UTC", default=7)
