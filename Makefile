# Two commands: `make run` serves the product with real reference data; `make test` runs the
# full suite against PostgreSQL and Redis. Everything else here supports those two.

SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev
# This checkout's own state (the beat schedule): never shared with another checkout.
STATE := .state

.PHONY: run test lint check-deploy install install-dev worker beat clean help

help:
	@echo "make run    - install, migrate, load reference data, compute risk, serve on 127.0.0.1:$(PORT)"
	@echo "make test   - lint, migration and deploy checks, then the full test suite"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(STAMP_RUN)

install: $(STAMP_RUN)
install-dev: $(STAMP_DEV)

# With no DATABASE_URL: an embedded SQLite file and in-process jobs. With DATABASE_URL and
# REDIS_URL: PostgreSQL, plus a Celery worker and beat that stop with the server (Ctrl-C).
run: $(STAMP_RUN)
	@set -euo pipefail; \
	$(BIN)/python manage.py migrate --noinput; \
	$(BIN)/python manage.py create_roles; \
	$(BIN)/python manage.py load_reference_data; \
	$(BIN)/python manage.py recompute_risk; \
	pids=""; \
	if [ -n "$${REDIS_URL:-}" ]; then \
	  $(BIN)/celery -A compliance worker --loglevel=INFO --concurrency=2 & pids="$$pids $$!"; \
	  mkdir -p $(STATE); \
	  $(BIN)/celery -A compliance beat --loglevel=INFO --schedule=$(STATE)/celerybeat-schedule & pids="$$pids $$!"; \
	fi; \
	trap 'test -n "$$pids" && kill $$pids 2>/dev/null; wait' EXIT INT TERM; \
	echo ""; \
	echo "Dashboard: http://127.0.0.1:$(PORT)/   API: http://127.0.0.1:$(PORT)/api/v1/   Docs: http://127.0.0.1:$(PORT)/api/docs/"; \
	echo "Admin:     http://127.0.0.1:$(PORT)/admin/  (create a login: $(BIN)/python manage.py createsuperuser;"; \
	echo "           an editor and an API token: $(BIN)/python manage.py create_editor <name>)"; \
	echo ""; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The services the suite needs: $DATABASE_URL / $REDIS_URL, or the standard local addresses.
test: $(STAMP_DEV)
	@set -euo pipefail; \
	source .ci/services.sh; \
	export DJANGO_DEBUG=true; \
	$(BIN)/ruff check .; \
	$(BIN)/ruff format --check .; \
	$(BIN)/lint-imports; \
	$(BIN)/mypy compliance jurisdictions grants; \
	$(BIN)/python manage.py makemigrations --check --dry-run; \
	$(MAKE) --no-print-directory check-deploy; \
	$(BIN)/pytest $(PYTEST_ARGS)

check-deploy: $(STAMP_RUN)
	DJANGO_SETTINGS_MODULE=compliance.settings.production \
	DJANGO_DEBUG=false \
	DJANGO_SECRET_KEY="check-deploy-$$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n')" \
	DJANGO_ALLOWED_HOSTS=compliance.example.org \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

lint: $(STAMP_DEV)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports && \
	DJANGO_DEBUG=true $(BIN)/mypy compliance jurisdictions grants

worker: $(STAMP_RUN)
	$(BIN)/celery -A compliance worker --loglevel=INFO

beat: $(STAMP_RUN)
	mkdir -p $(STATE)
	$(BIN)/celery -A compliance beat --loglevel=INFO --schedule=$(STATE)/celerybeat-schedule

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles artifacts .benchmarks $(STATE)
