# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint bench catalogs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/werkbot migrate
	$(BIN)/werkbot run $(ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench

# Re-extract the translatable texts and merge them into the catalogs (then translate nl).
catalogs: install
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k ngettext:1,2 -o bot/locale/werkbot.pot --no-location --sort-output --omit-header --width=100 bot cogs storage
	$(BIN)/pybabel update -i bot/locale/werkbot.pot -d bot/locale -D werkbot -l nl --no-fuzzy-matching --ignore-obsolete --width=100

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
