"""The settings every mode shares, split by concern; every value comes from the environment
(see .env.example). Import a mode, not this: ``development`` (what ``manage.py`` uses),
``production`` (the image's) or ``test``."""

from .alerts import *  # noqa: F403
from .base import *  # noqa: F403
from .celery import *  # noqa: F403
from .drf import *  # noqa: F403
