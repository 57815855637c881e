"""Development: what ``manage.py`` and Celery use unless ``DJANGO_SETTINGS_MODULE`` says
otherwise. Debug is on by default here (and only here), so a development key stands in when
``DJANGO_SECRET_KEY`` is not set; production never falls back to one."""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")

from .common import *  # noqa: F403
