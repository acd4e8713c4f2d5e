# Rectify: the two commands are `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test
# The hostile-input sample of `make test` is drawn from a fixed seed, so a run is repeatable;
# `HOSTILE_SEED=random make test` draws another, `make fuzz` tries everything.
HOSTILE_SEED ?= 2026
export HOSTILE_SEED
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test reliability reliability-sqlite reliability-postgres venv devenv lint check unit units unit-sqlite unit-postgres browser migrate demo serve bench loadtest messages clean fuzz

# `make run` installs what running needs; the tools of the suite (pytest, Playwright, ruff, mypy,
# …) come with the targets that use them.
$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || { echo "Python's venv module is missing: install python3.11-venv"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check '.[dev]'
	touch $@

venv: $(VENV)/.installed

devenv: $(VENV)/.installed-dev

migrate: venv
	$(PY) manage.py migrate --no-input -v 0

demo: migrate
	$(PY) manage.py load_demo --if-empty --quiet
	$(PY) manage.py run_reminders >/dev/null

# `make run` serves what production users see: DEBUG off, static files through WhiteNoise,
# plain HTTP on this machine. `DEV=1 make run` is the development server (DEBUG on, autoreload).
SITE_URL ?= http://127.0.0.1:$(PORT)
export SITE_URL
ifeq ($(DEV),1)
RUN_ENV := DEBUG=true
else
RUN_ENV := DEBUG=false HTTPS=false
endif

# The background worker (imports, exports, reminders, deliveries) runs beside the web server;
# Ctrl-C stops both (the worker finishes the task it is running first).
run: demo
	@$(PY) manage.py load_demo --logins
	@echo ""
	@echo "Rectify is serving on $(SITE_URL)/ (Ctrl-C stops it and its background worker)"
ifeq ($(DEV),1)
	$(RUN_ENV) $(PY) manage.py run_worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(RUN_ENV) $(PY) manage.py runserver 127.0.0.1:$(PORT)
else
	$(RUN_ENV) $(PY) manage.py collectstatic --no-input -v 0
	$(RUN_ENV) $(PY) manage.py run_worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(RUN_ENV) $(VENV)/bin/gunicorn config.wsgi --bind 127.0.0.1:$(PORT) --workers 2 --access-logfile -
endif

lint: devenv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy core/audit.py core/backup.py core/files.py core/serializers_exact.py organization/scope.py organization/policy.py organization/services.py ledger/services.py ledger/selectors.py ledger/workflow.py \
		notifications/services.py notifications/selectors.py notifications/dispatch.py notifications/escalation.py \
		reporting/services reporting/selectors.py reporting/storage.py documents/imports.py documents/exports.py \
		documents/selectors.py dashboards/selectors.py recurring/services.py recurring/selectors.py \
		regulations/services.py regulations/selectors.py regulations/workflow.py \
		security/services.py security/selectors.py security/policy.py sso/selectors.py sso/backends.py sso/views.py sso/checks.py \
		meetings/services.py meetings/selectors.py \
		api/services.py api/selectors.py api/authentication.py api/errors.py

check: devenv
	@# The compiled catalogues are committed (a fresh machine needs no gettext to run);
	@# this fails when a .po file changed without recompiling its .mo.
	$(PY) manage.py compilemessages --ignore '.venv' -v 0
	git diff --exit-code --stat -- locale
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) tests/check_catalogue.py

# The two database runs share nothing (SQLite in memory, PostgreSQL in its own test database, each
# with its own file storage), so `make test` runs them side by side on the machine's two cores;
# --output-sync prints each run's output whole when it ends.
# Tests the engine does not change run in one of the two only (ONCE_ON in conftest.py), when
# both run: `make units` sets ONCE_ON_ONE_ENGINE=1 once it knows PostgreSQL answers.
units: devenv
	@once=$$($(PY) tests/pg_available.py "$(TEST_DATABASE_URL)" && echo 1); \
		$(MAKE) --no-print-directory -j2 --output-sync=target unit-sqlite unit-postgres ONCE_ON_ONE_ENGINE=$$once

ONCE_ON_ONE_ENGINE ?=
export ONCE_ON_ONE_ENGINE

unit-sqlite: devenv
	PRIVATE_STORAGE_ROOT=$(CURDIR)/var/test-sqlite/private AUDIT_CHECKPOINT_PATH=$(CURDIR)/var/test-sqlite/audit-checkpoint.jsonl \
		TEST_DATABASE_URL="$(TEST_DATABASE_URL)" FAST_PASSWORD_HASHER=1 $(PY) -m pytest -q -m "not browser and not reliability"

unit-postgres: devenv
	@if $(PY) tests/pg_available.py "$(TEST_DATABASE_URL)"; then \
		PRIVATE_STORAGE_ROOT=$(CURDIR)/var/test-postgres/private AUDIT_CHECKPOINT_PATH=$(CURDIR)/var/test-postgres/audit-checkpoint.jsonl \
		DATABASE_URL="$(TEST_DATABASE_URL)" FAST_PASSWORD_HASHER=1 $(PY) -m pytest -q -m "not browser and not reliability"; \
	elif [ "$$CI" = "true" ]; then \
		echo "ERROR: PostgreSQL is not reachable at $(TEST_DATABASE_URL) (required under CI)"; exit 1; \
	else \
		echo ""; echo "WARNING: PostgreSQL is not reachable at $(TEST_DATABASE_URL): PostgreSQL tests SKIPPED"; echo ""; \
	fi

browser: devenv
	FAST_PASSWORD_HASHER=1 $(PY) -m pytest -q -m browser tests/browser

# Faults: real worker and web-server processes killed with SIGKILL mid-way (tests/reliability),
# on SQLite and, when it is reachable, on PostgreSQL, side by side like the unit runs.
reliability: devenv
	@$(MAKE) --no-print-directory -j2 --output-sync=target reliability-sqlite reliability-postgres

reliability-sqlite: devenv
	FAST_PASSWORD_HASHER=1 $(PY) -m pytest -q -m reliability tests/reliability

reliability-postgres: devenv
	@if $(PY) tests/pg_available.py "$(TEST_DATABASE_URL)"; then \
		DATABASE_URL="$(TEST_DATABASE_URL)" FAST_PASSWORD_HASHER=1 $(PY) -m pytest -q -m reliability tests/reliability; \
	elif [ "$$CI" = "true" ]; then \
		echo "ERROR: PostgreSQL is not reachable at $(TEST_DATABASE_URL) (required under CI)"; exit 1; \
	fi

# After the unit runs, the browser tests and the fault tests (SQLite, PostgreSQL) share the two
# cores: the browser tests wait on Chromium much of the time, the fault tests on the processes
# they kill and restart.
test: lint check units
	@$(MAKE) --no-print-directory -j3 --output-sync=target browser reliability-sqlite reliability-postgres

# The whole hostile-input corpus: every payload class in every field of every form and every
# list parameter, as every role (`make test` runs a seeded sample; HOSTILE_SEED=n repeats one).
fuzz: devenv
	HOSTILE_FULL=1 FAST_PASSWORD_HASHER=1 $(PY) -m pytest -q -p no:warnings tests/hostile

messages: devenv
	$(PY) manage.py makemessages -l zh_Hans -l en --ignore '.venv' --ignore 'static/vendor' --ignore 'test-output' --no-obsolete
	$(PY) manage.py compilemessages --ignore '.venv' -v 0

bench: devenv
	$(PY) bench/run.py

loadtest: devenv
	$(PY) bench/loadtest.py

clean:
	rm -rf $(VENV) var db.sqlite3 test-output
