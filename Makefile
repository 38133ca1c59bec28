# SIH28: `make demo` runs the main job, `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PG_URL ?= postgres://postgres@127.0.0.1:5432/sih28
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
# Tests ignore a developer's .env: each run states its whole configuration.
TEST_ENV := ENV_FILE= SECRET_KEY=test-only-secret-key-not-for-production-0123456789abcdef DEBUG=0 SENTRY_DSN= DATABASE_URL= REDIS_URL=

.PHONY: venv demo test test-sqlite test-services lint migrate serve worker beat dashboard clean

venv: $(VENV)/.installed .env

# A local .env with a fresh SECRET_KEY, so manage.py works here with DEBUG off (never committed).
.env:
	@echo "writing .env with a new SECRET_KEY (see .env.example for every variable)"
	@printf 'SECRET_KEY=%s\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > $@

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

## demo: install, migrate SQLite, import the sample institution, serve on 127.0.0.1:8000
demo: venv
	DEBUG=1 $(PY) manage.py demo

## test: lint, migration check, the suite on SQLite, then on PostgreSQL + Redis + Celery
test: venv lint
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-services

## lint: what .pre-commit-config.yaml runs too (keep the two lists the same)
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(TEST_ENV) $(VENV)/bin/mypy

test-sqlite: venv
	$(TEST_ENV) $(PY) -m pytest -q

test-services: venv
	bash .ci/services
	$(TEST_ENV) DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST_URL) $(PY) -m pytest -q

migrate: venv
	$(PY) manage.py migrate

serve: venv
	$(PY) manage.py runserver 127.0.0.1:8000

worker: venv
	$(VENV)/bin/celery -A sih28 worker --loglevel=INFO --concurrency=1

beat: venv
	$(VENV)/bin/celery -A sih28 beat --loglevel=INFO

## dashboard: Bugsink (Sentry-compatible) on 127.0.0.1:8001 in .dashboard/venv; prints the DSN
dashboard:
	PYTHON=$(PYTHON) bash sih28/dashboard.sh

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache db.sqlite3
