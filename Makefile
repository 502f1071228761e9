# Two commands matter: `make demo` (the main job on embedded defaults) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/outreach demo

# Three workers (pytest-xdist): most tests wait on a real SMTP, IMAP or database server, so the
# suite takes about half the time of one worker even on two cores. Every test is isolated (its
# own files, ports and PostgreSQL schema), so the workers share nothing.
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 3 $(PYTEST_ARGS)

# The habits, machine-checked: lint rules and formatting (ruff), types (mypy --strict, settings
# in pyproject.toml) and the import contracts (import-linter).
lint: $(STAMP)
	$(BIN)/ruff check outreach tests bench
	$(BIN)/ruff format --check outreach tests bench
	$(BIN)/mypy --strict outreach
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python bench/render.py

clean:
	rm -rf $(VENV) demo-workspace
