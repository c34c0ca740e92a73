# The two commands a new developer needs: `make run` and `make test`. Everything else is installed by them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# checkov pins libraries the test tools need newer, so the scanner has its own environment.
SCAN_VENV := .venv-scan
PORT ?= 7071

.PHONY: package-prepare install browser messages run test lint typecheck layers scan unit integration e2e bench capacity clean

# DKFDS's CSS, JavaScript, icons and fonts, copied from node_modules for the web pages (generated, not committed).
WEB_ASSETS := functions/webui/static/dkfds/VERSION

install: $(VENV)/.installed node_modules/.installed $(WEB_ASSETS)

$(WEB_ASSETS): node_modules/.installed scripts/build_web_assets.py
	$(PYTHON) scripts/build_web_assets.py

# The browser tests drive Debian's Chromium.
CHROMIUM := /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || (apt-get update -qq && apt-get install -y -qq chromium)

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-data.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-data.txt
	touch $@

$(SCAN_VENV)/.installed: requirements-scan.txt
	$(PYTHON) -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-scan.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## Run the portal locally on its embedded defaults (SQLite, local queue, Azurite, development sign-in).
run: install
	$(PY) -m local_host run --port $(PORT) --seed

## Linters, type checker, layering check, the infrastructure scan and every test.
test: install browser lint typecheck layers scan
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy shared functions local_host function_app.py tests bench tools scripts

layers: install
	$(VENV)/bin/lint-imports

## The Bicep in infra/: checkov's security checks, offline; every template must parse with its parser.
scan: $(SCAN_VENV)/.installed
	$(SCAN_VENV)/bin/python scripts/parse_bicep.py infra
	$(SCAN_VENV)/bin/checkov --directory infra --framework bicep --skip-download --compact --quiet

unit: install
	$(PY) -m pytest tests/unit

integration: install
	$(PY) -m pytest tests/integration

e2e: install browser
	$(PY) -m pytest tests/e2e

## Benchmarks: ratios against a baseline measured in the same run.
bench: install
	$(PY) bench/startup.py
	$(PY) bench/intake.py
	$(PY) bench/exports.py
	$(PY) -m bench.screening
	$(PY) bench/receipt_log.py
	$(PY) bench/campaigns.py
	$(PY) bench/web.py
	$(PY) bench/fanout.py

## What the deployment package needs beyond the sources: the web assets, the name lexicon, the bytecode.
package-prepare: install
	$(PY) scripts/package_screening_names.py
	$(PY) -m compileall -q --invalidation-mode checked-hash function_app.py functions shared

## docs/capacity.md from the measurements in docs/capacity-inputs.json and the Bicep in infra/.
capacity: install
	$(PY) -m tools.capacity > docs/capacity.md

clean:
	rm -rf .data .mypy_cache .ruff_cache .pytest_cache

## The web pages' texts: extract them and update the catalogues (then translate the new Danish entries).
messages: install
	$(PY) scripts/update_messages.py
