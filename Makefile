# Perno: `make demo` runs the embedded default, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.13 python3.12 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Test workers share the tests with --dist worksteal: one that runs out takes queued
# tests from the other (with "load", one worker could be left with minutes of queued
# tests while the other idled).
PYTEST_WORKERS ?= 2
export PERNO_DATA_DIR ?= $(CURDIR)/var

.PHONY: demo serve test lint types check test-sqlite test-postgres test-deps security fuzz messages bench clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Perno needs Python 3.12 or newer (python3.13, python3.12 or python3 on PATH)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.base: $(BIN)/python requirements/base.txt pyproject.toml
	$(BIN)/pip install --quiet --require-hashes -r requirements/base.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.dev: $(VENV)/.base requirements/dev.txt
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.txt
	touch $@

demo: $(VENV)/.base
	$(BIN)/perno demo --port $(PORT)

serve: $(VENV)/.base
	$(BIN)/perno serve --port $(PORT)

# System packages the tests need from Debian: chromium (browser tests), sqlmap (the
# SQL-injection scan) and dovecot-imapd (the IMAP server of the mail tests); installed
# when missing and root.
DEBIAN_TEST_PACKAGES := /usr/bin/chromium:chromium /usr/bin/sqlmap:sqlmap /usr/sbin/dovecot:dovecot-imapd
test-deps: $(VENV)/.dev
	@missing=""; for pair in $(DEBIAN_TEST_PACKAGES); do \
		[ -x "$${pair%%:*}" ] || missing="$$missing $${pair##*:}"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
			echo "Installing Debian packages for the tests:$$missing…"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else echo "Missing Debian packages:$$missing: the tests needing them will be skipped (failed under CI=true)."; fi; \
	fi

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/vulture perno vulture_allowlist.py --min-confidence 60 --exclude "*/migrations/*"

types: $(VENV)/.dev
	$(BIN)/mypy perno

check: $(VENV)/.dev
	DJANGO_SETTINGS_MODULE=perno.config.settings.test $(BIN)/python -m django makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=perno.config.settings.test $(BIN)/python -m django check

# The security scans of a live server run once, in the PostgreSQL pass; the tests that
# never touch the database (parsers, the business clock, the catalogues, bandit) do the
# same on every engine and run once, in the SQLite pass (`--database-tests-only`).
test-sqlite: test-deps
	PERNO_TEST_DB=sqlite $(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal -p no:cacheprovider -m "not scan"

test-postgres: test-deps
	PERNO_TEST_DB=postgres $(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal -p no:cacheprovider --database-tests-only

# The whole suite; prints the time of each phase at the end (and stops at the first
# phase that fails, as make would).
TEST_PHASES := lint types check test-sqlite test-postgres
test: $(VENV)/.dev
	@status=0; report=""; begin=$$(date +%s); \
	for phase in $(TEST_PHASES); do \
		start=$$(date +%s); \
		if $(MAKE) --no-print-directory $$phase; then result=ok; else result=FAILED; status=1; fi; \
		report="$$report$$(printf '  %-14s %5ss  %s' "$$phase" "$$(( $$(date +%s) - start ))" "$$result")\n"; \
		[ $$status = 0 ] || break; \
	done; \
	printf '\nTime per phase:\n%b  %-14s %5ss\n' "$$report" total "$$(( $$(date +%s) - begin ))"; \
	exit $$status

# bandit, schemathesis and sqlmap only (see README, "Security tests").
security: test-deps
	PERNO_TEST_DB=postgres $(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal -p no:cacheprovider tests/test_security_scans.py

# Generated input over every API operation on both engines, several seeds, stateful
# chains; prints cases and failures per engine and seed (bench/fuzz.py, not a test).
fuzz: test-deps
	$(BIN)/python bench/fuzz.py

# Extract strings into perno/locale/*/django.po, compile, list what is missing or fuzzy.
messages: $(VENV)/.dev
	$(BIN)/python scripts/messages.py

bench: $(VENV)/.dev
	$(BIN)/python bench/lists.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
