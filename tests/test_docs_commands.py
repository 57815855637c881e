"""Every command block of the README and the docs, run as a reader would run it.

``make run`` serves the product on a free port with an embedded SQLite file of its own and no
broker, exactly as on a fresh machine; then every ``sh`` block runs as one bash script from
the project's root, with no ``DJANGO_SETTINGS_MODULE``, ``DJANGO_DEBUG``, ``DATABASE_URL`` of
the suite or ``REDIS_URL`` exported, against that server and that file. A curl that answers
4xx or 5xx fails its block.

A few commands cannot run inside the suite, and run in a form that checks what can be checked:
``make test`` and the other make targets that start long-lived processes (the target must
exist: ``make -n`` would still run the recursive ``$(MAKE)`` lines of ``make test``),
``pytest`` itself (``--collect-only``: the selection must collect at least one test),
commands that ask at a prompt (``changepassword``, ``--help``), ``createsuperuser``
(``--noinput`` with the ``DJANGO_SUPERUSER_*`` variables) and ``generate_synthetic_data``,
which needs PostgreSQL (``--help``). A synopsis line (``manage.py X [--opt N]``) must name
only options that the command's ``--help`` lists. The Python block of the dashboard notes
runs in ``manage.py shell``.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.docs

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BIN = Path(sys.executable).parent
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)

# Bash functions standing in for the commands that cannot run inside the suite.
PREAMBLE = r"""
set -euo pipefail
curl() {
  local args=() previous=""
  for arg in "$@"; do
    if [ "$previous" = "-o" ]; then args+=("$OUT/$arg"); else args+=("$arg"); fi
    previous="$arg"
  done
  command curl --fail-with-body -sS "${args[@]}"
}
make() {
  case "$1" in
    run) command curl --fail -sS -o /dev/null "http://127.0.0.1:$PORT/" ;;
    *) for target in "$@"; do
         case "$target" in /|make) ;; *) grep -q "^$target:" Makefile ;; esac
       done ;;
  esac
}
.venv/bin/pytest() {
  local args=()
  for arg in "$@"; do [ "$arg" = "-s" ] || args+=("$arg"); done
  command .venv/bin/pytest --collect-only -q -p no:cacheprovider "${args[@]}" >/dev/null
}
pytest() { .venv/bin/pytest "$@"; }
.venv/bin/python() {
  if [ "${1:-}" = "manage.py" ]; then
    case "${2:-}" in
      changepassword|generate_synthetic_data)
        command .venv/bin/python manage.py "$2" --help >/dev/null; return ;;
      createsuperuser) command .venv/bin/python manage.py createsuperuser --noinput; return ;;
    esac
  fi
  command .venv/bin/python "$@"
}
manage.py() { .venv/bin/python manage.py "$@"; }
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _blocks() -> list[tuple[str, int, str, str]]:
    found = []
    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            line = text[: match.start()].count("\n") + 1
            found.append((document.name, line, match.group(1), match.group(2)))
    return found


def _is_synopsis(line: str) -> bool:
    command = line.split("  #")[0]
    return bool(re.search(r"\[|<\w+>|\bPATH\b", command)) and "manage.py" in command


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """``make run`` on a free port, its own SQLite file, no broker; the environment for the
    blocks."""
    home = tmp_path_factory.mktemp("first-hour")
    port = _free_port()
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG", "DATABASE_URL", "REDIS_URL")
    }
    env.update(
        PORT=str(port),
        OUT=str(home),  # where the blocks' downloads (curl -o) go
        DATABASE_URL=f"sqlite:///{home / 'db.sqlite3'}",
        DJANGO_SUPERUSER_USERNAME="admin",
        DJANGO_SUPERUSER_EMAIL="admin@example.org",
        DJANGO_SUPERUSER_PASSWORD="a long and unguessable one",
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    log = (home / "make-run.log").open("w")
    server = subprocess.Popen(
        ["make", "run", f"PORT={port}"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert server.poll() is None, (home / "make-run.log").read_text()[-4000:]
                assert time.monotonic() < deadline, "make run did not serve within 300 s"
                time.sleep(1)
        yield env
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
        log.close()


def test_every_block_is_a_known_kind() -> None:
    kinds = {kind for _, _, kind, _ in _blocks()}
    assert kinds <= {"sh", "python", ""}, kinds


@pytest.mark.parametrize(
    ("document", "line", "kind", "body"),
    [block for block in _blocks() if block[2] in ("sh", "python")],
    ids=[f"{d}:{n}" for d, n, k, _ in _blocks() if k in ("sh", "python")],
)
def test_the_block_runs_as_written(served, document, line, kind, body) -> None:
    port = served["PORT"]
    body = body.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    if kind == "python":
        done = subprocess.run(
            [str(BIN / "python"), "manage.py", "shell"], input=body, cwd=ROOT, env=served,
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        return
    lines = [part for part in body.splitlines() if part.strip()]
    synopses = [part for part in lines if _is_synopsis(part)]
    for synopsis in synopses:
        words = synopsis.split("  #")[0].split()
        command = words[words.index("manage.py") + 1]
        helped = subprocess.run(
            [str(BIN / "python"), "manage.py", command, "--help"], cwd=ROOT, env=served,
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert helped.returncode == 0, helped.stderr
        for option in re.findall(r"--[a-z][a-z-]*", synopsis.split("  #")[0]):
            assert option in helped.stdout, (synopsis, option)
    script = "\n".join(part for part in lines if part not in synopses)
    if not script.strip():
        return
    done = subprocess.run(
        ["bash", "-c", PREAMBLE + script], cwd=ROOT, env=served, capture_output=True,
        text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"{document}:{line}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
