# One command to run the app with demo data (SQLite), one to run every test.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask
HOST ?= 127.0.0.1
PORT ?= 5000
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/kse_test

.PHONY: install run serve setup lint test test-pg test-unit browser-deps babel-extract babel-update translations bench clean

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
	$(VENV)/bin/gunicorn -w 2 -b $(HOST):$(PORT) wsgi:app

browser-deps:
	@test -x /usr/bin/chromium || { echo "installing Debian chromium for browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null); }

# Lint and types (configured in pyproject.toml): part of every test run.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test: install browser-deps lint
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test-unit: install
	$(VENV)/bin/pytest tests/rules $(PYTEST_ARGS)

test-pg: install browser-deps lint
	TEST_DATABASE_URL=$(PG_TEST_URL) $(VENV)/bin/pytest $(PYTEST_ARGS)

babel-extract: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k lazy_gettext -k _l --no-location --sort-output -o translations/messages.pot app views models reports

babel-update: babel-extract
	$(VENV)/bin/pybabel update -N --ignore-obsolete --ignore-pot-creation-date -i translations/messages.pot -d translations

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) translations/*/LC_MESSAGES/*.mo
