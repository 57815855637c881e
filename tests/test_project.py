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
    assert set(services) == {"db", "redis", "web", "worker", "beat"}
    for name in services:
        assert "healthcheck" in services[name], name
    web, worker, beat = services["web"], services["worker"], services["beat"]
    # One image for the three application services.
    assert web["build"] == worker["build"] == beat["build"] == "."
    assert web["image"] == worker["image"] == beat["image"]
    assert "gunicorn compliance.wsgi:application" in " ".join(web["command"].split())
    assert worker["command"][:4] == ["celery", "-A", "compliance", "worker"]
    assert beat["command"][:4] == ["celery", "-A", "compliance", "beat"]
    for name in ("web", "worker", "beat"):
        assert set(services[name]["depends_on"]) == {"db", "redis"}
        assert services[name]["env_file"] == ".env"


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
