"""Celery: JSON only, late acknowledgement, one task at a time per process, bounded run time.

With no broker URL the tasks run in-process (``task_always_eager``), so the embedded
development setup needs no Redis.
"""

from datetime import timedelta

from celery.schedules import crontab

from .base import REDIS_URL
from .env import env

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    # Jobs run in-process: an in-memory transport, so nothing looks for a broker host.
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True

CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"

# A task is acknowledged only after it ran, and given back if its worker dies mid-way.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

# Time limits and the longest retry countdown (120 s) stay below the visibility timeout, so a
# running or waiting task is never handed to a second worker because Redis thought it lost. A
# task of a killed worker comes back after it; long before that, the sweep re-queues every
# jurisdiction left stale past its grace period.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=900),
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
    # A broker that is down or hung (no reply on an open connection) fails a publish within
    # seconds instead of never; the read timeout stays above the worker's 1 s BRPOP poll.
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
}
# Publishing must not hang a web request when the broker is down.
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2

RISK_REFRESH_HOUR_UTC = env.int("RISK_REFRESH_HOUR_UTC", default=4)

from .alerts import ALERTS_DIGEST_HOUR_UTC  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    # The alert outbox: whatever a kick after a change missed, and webhook retries that are due.
    "dispatch-alerts": {
        "task": "compliance.tasks.alerts_dispatch_task",
        "schedule": timedelta(seconds=env.int("ALERTS_DISPATCH_SECONDS", default=30)),
    },
    "send-alert-digests": {
        "task": "compliance.tasks.alerts_digest_task",
        "schedule": crontab(hour=ALERTS_DIGEST_HOUR_UTC, minute=0),
    },
    "sweep-stale-jurisdictions": {
        "task": "compliance.tasks.sweep_stale_jurisdictions_task",
        "schedule": timedelta(minutes=env.int("RISK_SWEEP_MINUTES", default=2)),
    },
    # Figures move with the calendar (statement decay, fiscal years): refresh them daily.
    "refresh-all-jurisdictions": {
        "task": "compliance.tasks.refresh_all_jurisdictions_task",
        "schedule": crontab(hour=RISK_REFRESH_HOUR_UTC, minute=15),
    },
    # Stored figures against a fresh computation, before the refresh rewrites them.
    "verify-risk": {
        "task": "compliance.tasks.verify_risk_task",
        "schedule": crontab(hour=RISK_REFRESH_HOUR_UTC, minute=0),
    },
}
