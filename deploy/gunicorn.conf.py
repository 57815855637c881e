"""Gunicorn settings for the web service (docker-compose and the image's default command).

Threaded workers: a worker's main loop keeps beating to the arbiter while its threads serve,
so a long CSV export is never killed mid-stream, and ``timeout`` still restarts a worker whose
main loop is stuck. Each value can be overridden by the environment variable named beside it.
"""

from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    """An integer from the environment, or the default when unset or empty."""
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


wsgi_app = "compliance.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")]
workers = _int("WEB_CONCURRENCY", 3)
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)
# Seconds without a heartbeat from a worker's main loop before the arbiter kills it.
timeout = _int("GUNICORN_TIMEOUT", 30)
# Seconds a stopping worker has to finish the requests it is serving (exports included).
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 60)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# The forwarded scheme (X-Forwarded-Proto) is trusted from the proxy and from loopback only.
forwarded_allow_ips = ",".join(
    address for address in (os.environ.get("PROXY_ADDRESS", ""), "127.0.0.1") if address
)
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
