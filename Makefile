# svcollect: `make demo` sets everything up and starts the demo; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export SVCOLLECT_BASE_URL ?= http://127.0.0.1:5000

.PHONY: demo test install assets lint audit unit serve clean

demo: install
	$(BIN)/svcollect db upgrade
	$(BIN)/svcollect demo
	$(BIN)/svcollect run --host 127.0.0.1 --port 5000

test: install lint audit
	./scripts/browser_deps.sh
	$(BIN)/pytest $(PYTEST_ARGS)

install: $(VENV)/.installed svcollect/static/govuk/app.css

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

svcollect/static/govuk/app.css: node_modules/.installed svcollect/assets/app.scss scripts/build_assets.sh
	./scripts/build_assets.sh

assets: svcollect/static/govuk/app.css

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy svcollect
	$(BIN)/mypy --strict --follow-imports=silent svcollect/questionnaires svcollect/scoring svcollect/outcomes.py svcollect/imports svcollect/charts svcollect/i18n.py
	$(BIN)/lint-imports
	$(BIN)/bandit -q -c pyproject.toml -r svcollect
	$(BIN)/svcollect questionnaires validate

# Known vulnerabilities in the installed packages: pip-audit, gaps filled from PyPI (see the script).
audit: $(VENV)/.installed
	$(BIN)/python scripts/audit.py

unit: install
	$(BIN)/pytest tests/unit

clean:
	rm -rf $(VENV) node_modules svcollect/static/govuk

# Translations: extract every UI, chart and questionnaire string (with the notes code leaves
# for translators in "# TRANSLATORS:" comments), then add a language with
# `$(BIN)/pybabel init -i svcollect/translations/messages.pot -d svcollect/translations -l cy`.
translations-template: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--add-comments=TRANSLATORS: -o svcollect/translations/messages.pot .

translations-compile: $(VENV)/.installed
	$(BIN)/pybabel compile -d svcollect/translations --use-fuzzy || true
