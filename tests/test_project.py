"""Project hygiene: migrations in step, lint clean, the compose file complete and documented."""

from __future__ import annotations

import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.django_db
def test_no_missing_migrations() -> None:
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_ruff_passes() -> None:
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run(
        [str(ruff), "check", str(ROOT)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_risk_engine_imports_no_django() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_production_services() -> None:
    services = _compose()["services"]
    assert set(services) == {"proxy", "db", "redis", "web", "worker", "beat"}
    for name in services:
        if name != "proxy":
            assert "healthcheck" in services[name], name
    web, worker, beat = services["web"], services["worker"], services["beat"]
    # One image for the three application services.
    assert web["build"] == worker["build"] == beat["build"] == "."
    assert web["image"] == worker["image"] == beat["image"]
    assert "gunicorn -c deploy/gunicorn.conf.py compliance.wsgi:application" in " ".join(
        web["command"].split()
    )
    assert worker["command"][:4] == ["celery", "-A", "compliance", "worker"]
    assert beat["command"][:4] == ["celery", "-A", "compliance", "beat"]
    for name in ("web", "worker", "beat"):
        assert set(services[name]["depends_on"]) == {"db", "redis"}
        assert services[name]["env_file"] == ".env"


def test_only_the_proxy_is_published_and_only_it_is_trusted() -> None:
    """The forwarded scheme is trusted from the proxy's fixed address alone; nothing reaches
    gunicorn but through the proxy."""
    services = _compose()["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    proxy_address = services["proxy"]["networks"]["backend"]["ipv4_address"]
    assert proxy_address == "${PROXY_ADDRESS}"
    command = " ".join(services["web"]["command"].split())
    assert "--forwarded-allow-ips ${PROXY_ADDRESS},127.0.0.1" in command
    assert "reverse_proxy web:8000" in (ROOT / "deploy" / "Caddyfile").read_text()
    production = (ROOT / "compliance" / "settings" / "production.py").read_text()
    assert not re.search(r"^SECURE_PROXY_SSL_HEADER", production, flags=re.MULTILINE)
    assert "/app/state/" in " ".join(services["beat"]["command"])


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _gunicorn_answer(trusted: str) -> int:
    """Start gunicorn on production settings trusting ``trusted``; ask for the API root over
    plain HTTP with a forged X-Forwarded-Proto; return the status (redirects not followed)."""
    import http.client
    import os
    import sys
    import time

    port = _free_port()
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "compliance.settings.production",
        "DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "a-test-key-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "localhost", "REDIS_URL": "",
    }  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "compliance.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "1", "--forwarded-allow-ips", trusted],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request(
                    "GET", "/api/v1/", headers={"Host": "localhost", "X-Forwarded-Proto": "https"}
                )
                return connection.getresponse().status
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_forged_forwarded_scheme_is_ignored_unless_the_proxy_sent_it() -> None:
    assert _gunicorn_answer(trusted="10.9.9.9") == 301, "a client cannot claim HTTPS"
    assert _gunicorn_answer(trusted="127.0.0.1") == 200, "the trusted proxy can"


def test_every_variable_the_compose_file_uses_is_documented() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    used = set(re.findall(r"\$\{([A-Z0-9_]+)", text))
    documented = set(
        re.findall(r"^([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), flags=re.MULTILINE)
    )
    assert used, "the compose file should take its settings from the environment"
    assert used <= documented, sorted(used - documented)


def test_every_variable_the_settings_read_is_documented() -> None:
    read = set()
    for path in (ROOT / "compliance" / "settings").glob("*.py"):
        read |= set(re.findall(r"env\.\w+\(\s*\"([A-Z0-9_]+)\"", path.read_text()))
    documented = set(
        re.findall(r"^([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), flags=re.MULTILINE)
    )
    assert read <= documented, sorted(read - documented)


def test_dockerfile_builds_the_one_image() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11" in text
    assert "pip install ." in text
    assert "collectstatic" in text


# Files a clone must never carry: build artefacts and local state, wherever they sit.
ARTEFACT_SUFFIXES = (".whl", ".egg", ".tar.gz", ".pyc", ".sqlite3", ".db", ".pyo", ".so")
MAX_FILE_BYTES = 1_000_000


def test_no_build_artefact_or_large_file_is_committed() -> None:
    """Committed files hold source: no wheel, archive, bytecode or database, and nothing over
    1 MB outside the sourced reference data."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    files = [name for name in listed.stdout.split("\0") if name]
    artefacts = [name for name in files if name.endswith(ARTEFACT_SUFFIXES)]
    large = [
        name
        for name in files
        if "/reference/" not in f"/{name}"
        and (ROOT / name).is_file()
        and (ROOT / name).stat().st_size > MAX_FILE_BYTES
    ]
    assert not artefacts, artefacts
    assert not large, large
