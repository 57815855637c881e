"""The Celery application; its settings are the CELERY_* names of the settings module.

A worker or beat started without ``DJANGO_SETTINGS_MODULE`` uses the development settings.
The default is set only when Celery first reads its configuration, not at import: importing
this package must not choose settings for a web process (``wsgi`` defaults to production).
"""

import os
from typing import Any

from celery import Celery

app = Celery("compliance")


@app.on_configure.connect
def _settings_module(**kwargs: Any) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compliance.settings.development")


app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
