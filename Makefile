# The two commands a new developer needs: `make run` and `make test`. Everything else is installed by them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 7071

.PHONY: install run test lint typecheck layers unit integration e2e bench clean

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## Run the portal locally on its embedded defaults (SQLite, local queue, Azurite, development sign-in).
run: install
	$(PY) -m local_host run --port $(PORT) --seed

## Linters, type checker, layering check and every test.
test: install lint typecheck layers
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy shared functions local_host function_app.py tests bench

layers: install
	$(VENV)/bin/lint-imports

unit: install
	$(PY) -m pytest tests/unit

integration: install
	$(PY) -m pytest tests/integration

e2e: install
	$(PY) -m pytest tests/e2e

## Benchmarks: ratios against a baseline measured in the same run.
bench: install
	$(PY) bench/startup.py
	$(PY) bench/intake.py
	$(PY) bench/campaigns.py

clean:
	rm -rf .data .mypy_cache .ruff_cache .pytest_cache
