"""Imported by the test worker only (``celery worker --include``): when the worker's settings
ask for it, each recompute job sleeps after it was taken from the queue and before it acks,
so a test can kill the worker in the middle of a job."""

import logging
import time

from celery.signals import task_prerun
from django.conf import settings

logger = logging.getLogger(__name__)


@task_prerun.connect(dispatch_uid="tests.compliance.worker_hooks.pause")
def pause_before_recompute(sender=None, **kwargs) -> None:
    seconds = float(getattr(settings, "RISK_TEST_SLEEP_SECONDS", 0) or 0)
    if seconds > 0 and sender is not None and sender.name.endswith("recompute_jurisdictions_task"):
        logger.warning("Recompute paused for %s s (RISK_TEST_SLEEP_SECONDS)", seconds)
        time.sleep(seconds)
