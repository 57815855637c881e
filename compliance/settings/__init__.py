"""Settings, split by concern; every value comes from the environment (see .env.example)."""

from .base import *  # noqa: F403
from .celery import *  # noqa: F403
from .drf import *  # noqa: F403
