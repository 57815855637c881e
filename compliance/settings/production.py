"""Production mode: the base settings with every HTTPS protection switched on.

Use with ``DJANGO_SETTINGS_MODULE=compliance.settings.production`` behind a TLS proxy whose
address gunicorn trusts (``--forwarded-allow-ips``).
"""

from .common import *  # noqa: F403

DEBUG = False
SECURE_SSL_REDIRECT = True
# No SECURE_PROXY_SSL_HEADER: Django would believe any client's X-Forwarded-Proto. gunicorn
# sets the scheme from that header only for the proxy's address (--forwarded-allow-ips, see
# docker-compose.yml), and Django reads the scheme gunicorn set.
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
STORAGES["staticfiles"]["BACKEND"] = (  # noqa: F405
    "whitenoise.storage.CompressedManifestStaticFilesStorage"
)
# Server-side request forgery: webhooks never reach the host's own or private networks.
ALERTS_WEBHOOK_ALLOW_PRIVATE = False
