# One command to run the app with demo data (SQLite), one to run every test.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask
HOST ?= 127.0.0.1
PORT ?= 5000
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/kse_test

.PHONY: install run serve prod setup lint test test-pg test-unit fuzz browser-deps babel-extract babel-update translations bench bench-quick clean

install: $(VENV)/.installed translations

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e ".[test]"
	touch $@

# Compiled catalogues are build products, not committed.
translations: $(VENV)/.installed $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))
translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po
	$(VENV)/bin/pybabel compile -f -d translations -l $* >/dev/null

setup: install
	$(FLASK) db upgrade
	$(FLASK) refdata load
	$(FLASK) roles sync
	$(FLASK) demo load

# The job worker (lottery, rescoring, bulk PDFs, mail) runs beside the dev server and
# stops with it.
run: setup
	@echo "Backoffice on http://$(HOST):$(PORT)/ with a jobs worker  (Ctrl-C to stop)"
	$(FLASK) jobs worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(FLASK) run --host $(HOST) --port $(PORT)

serve: setup
	$(FLASK) jobs worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(VENV)/bin/gunicorn -w 2 -b $(HOST):$(PORT) wsgi:app

# The production profile on this machine's PostgreSQL and Redis (docs/production.md):
# gunicorn with PROD_WORKERS workers and a jobs worker, JSON logs with request ids,
# rate limits and the job queue in Redis, permissions synced by a CLI step, /health.
PROD_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/kse_prod
PROD_REDIS ?= redis://127.0.0.1:6379
PROD_WORKERS ?= 4
PROD_DEMO ?= 1
PROD_ENV = DATABASE_URL=$(PROD_DATABASE_URL) RATELIMIT_STORAGE_URI=$(PROD_REDIS)/0 JOBS_QUEUE_URL=$(PROD_REDIS)/1 \
	LOG_FORMAT=json LOG_LEVEL=INFO ACCESS_LOG=1 UPLOAD_FOLDER=$${UPLOAD_FOLDER:-$(CURDIR)/instance/uploads}
prod: install
	@psql "$(subst +psycopg,,$(PROD_DATABASE_URL:/kse_prod=/postgres))" -tAc \
	  "SELECT 1 FROM pg_database WHERE datname = '$(lastword $(subst /, ,$(PROD_DATABASE_URL)))'" | grep -q 1 || \
	  psql "$(subst +psycopg,,$(PROD_DATABASE_URL:/kse_prod=/postgres))" -c \
	  'CREATE DATABASE "$(lastword $(subst /, ,$(PROD_DATABASE_URL)))"'
	$(PROD_ENV) $(FLASK) db upgrade
	$(PROD_ENV) $(FLASK) refdata load
	$(PROD_ENV) $(FLASK) roles sync
	@if [ "$(PROD_DEMO)" = 1 ]; then $(PROD_ENV) $(FLASK) demo load; fi
	@echo "Backoffice (production profile) on http://$(HOST):$(PORT)/  health: /health  (Ctrl-C to stop)"
	$(PROD_ENV) $(FLASK) jobs worker --workers 2 & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(PROD_ENV) $(VENV)/bin/gunicorn -w $(PROD_WORKERS) --threads 4 -b $(HOST):$(PORT) --access-logfile /dev/null wsgi:app

browser-deps:
	@test -x /usr/bin/chromium || { echo "installing Debian chromium for browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null); }

# Lint and types (configured in pyproject.toml): part of every test run.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test: install browser-deps lint
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The fuzzer of tests/test_access_fuzz.py at full size: prints cases and 500s per role.
FUZZ_CASES ?= 12000
fuzz: install
	FUZZ_CASES=$(FUZZ_CASES) $(VENV)/bin/pytest tests/test_access_fuzz.py -s -q -p no:randomly $(PYTEST_ARGS) | grep -E "^fuzz|^   |passed|failed"

test-unit: install
	$(VENV)/bin/pytest tests/rules $(PYTEST_ARGS)

test-pg: install browser-deps lint
	TEST_DATABASE_URL=$(PG_TEST_URL) $(VENV)/bin/pytest $(PYTEST_ARGS)

babel-extract: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k lazy_gettext -k _l --no-location --sort-output -o translations/messages.pot app views models reports

babel-update: babel-extract
	$(VENV)/bin/pybabel update -N --ignore-obsolete --ignore-pot-creation-date -i translations/messages.pot -d translations

# Every benchmark of issue #13 at full size on SQLite and PostgreSQL (long: ~45 min);
# rewrites bench/RESULTS.md. bench-quick: the same at small sizes, nothing rewritten.
bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

bench-quick: install
	$(PY) bench/run.py --quick $(BENCH_ARGS)

clean:
	rm -rf $(VENV) translations/*/LC_MESSAGES/*.mo
