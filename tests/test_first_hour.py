"""What a new user meets before reading any code: the embedded mode asks for no broker, the
debug page shows no credential, the beat schedule stays in the checkout, and the command that
needs PostgreSQL says so."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def _embedded_env(tmp_path: Path) -> dict[str, str]:
    """``make run``'s embedded mode: an SQLite file, no broker, nothing else exported."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG", "REDIS_URL")
        and not name.startswith("CELERY_")
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    return env


def test_the_embedded_mode_runs_jobs_in_process_with_no_broker_to_look_for(tmp_path) -> None:
    done = subprocess.run(
        [PYTHON, "manage.py", "shell", "-v", "0", "-c",
         "from django.conf import settings as s; "
         "print(s.CELERY_BROKER_URL, s.CELERY_TASK_ALWAYS_EAGER)"],
        cwd=ROOT, env=_embedded_env(tmp_path), capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-2:] == ["memory://", "True"]
    assert "broker" not in done.stderr.lower()


def test_the_debug_page_hides_database_and_broker_addresses() -> None:
    reporter = import_string(settings.DEFAULT_EXCEPTION_REPORTER_FILTER)()
    safe = reporter.get_safe_settings()
    hidden = reporter.cleansed_substitute
    for name in ("DATABASES", "REDIS_URL", "CELERY_BROKER_URL", "SECRET_KEY"):
        assert safe[name] == hidden, name
    request_env = reporter.cleanse_setting("DATABASE_URL", "postgres://user:pw@db/x")
    assert request_env == hidden


def test_the_beat_schedule_lives_in_the_checkouts_state_directory() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    beats = [line for line in makefile.splitlines() if "celery" in line and " beat" in line]
    assert beats, "no beat command in the Makefile"
    for line in beats:
        assert "--schedule=$(STATE)/celerybeat-schedule" in line, line
    assert "/tmp" not in makefile
    assert ".state/" in (ROOT / ".gitignore").read_text(encoding="utf-8")


def test_the_synthetic_dataset_on_sqlite_is_refused_with_the_reason(tmp_path) -> None:
    env = _embedded_env(tmp_path)
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True,
        timeout=300,
    )  # fmt: skip
    done = subprocess.run(
        [PYTHON, "manage.py", "generate_synthetic_data", "--scale", "0.001"], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    assert "PostgreSQL" in done.stderr
    assert "PostgreSQL only" in (ROOT / "README.md").read_text(encoding="utf-8")
