# Every target works on a fresh machine with Python 3.11+; CI runs `make test` unchanged.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: run test lint typecheck audit check bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Meldwijzer needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $@ $(VENV)/.installed

# Trying it out: notices to the demo adviser every minute instead of at 09:00 and 14:00.
run: $(VENV)/.installed
	MELDWIJZER_NOTICE_EVERY_SECONDS=$${MELDWIJZER_NOTICE_EVERY_SECONDS:-60} $(BIN)/meldwijzer serve

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

# Known vulnerabilities in the installed (pinned) dependencies fail the build; a machine that
# cannot reach the vulnerability database says so on one line and goes on.
audit: $(VENV)/.installed-test
	$(BIN)/python -m scripts.audit_dependencies

test: $(VENV)/.installed-test lint typecheck audit
	$(BIN)/meldwijzer knowledge check
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench.bench_webchat --write bench/RESULTS.md
	$(BIN)/python -m bench.bench_signals --write bench/RESULTS.md
	$(BIN)/python -m bench.bench_analyser --write bench/RESULTS.md
	$(BIN)/python -m bench.bench_flood --write bench/RESULTS.md
	$(BIN)/python -m bench.bench_compaction --write bench/RESULTS.md
	$(BIN)/python -m bench.bench_outbox --write bench/RESULTS.md
	$(BIN)/python -m bench.bench_mattermost --profile --write bench/RESULTS.md
	$(BIN)/python -m bench.bench_floor --write bench/RESULTS.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
