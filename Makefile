# Lusha Portal: `make run` serves it, `make test` tests it. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q

.PHONY: run test lint format bench migrations-check browser openapi-refresh clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-run: pyproject.toml | $(PY)
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PIP) install -e ".[dev]"
	touch $@ $(VENV)/.installed-run

## run: install, migrate, and serve web + worker + beat (+ Redis when REDIS_URL is unset)
run: $(VENV)/.installed-run
	$(PY) -m lusha_portal.launch all

## test: install what the tests need and run them all (lint and migrations check included)
test: $(VENV)/.installed-dev lint migrations-check browser
	$(PY) -m lusha_portal.launch with-redis -- $(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/bandit -c pyproject.toml -r . -q

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The browser tests drive Debian's Chromium (Playwright's own browser download is not used).
browser:
	@command -v chromium >/dev/null 2>&1 || [ -n "$$CHROMIUM_PATH" ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser tests need Chromium: install it (Debian: sudo apt-get install chromium)" \
	         "or set CHROMIUM_PATH to a Chromium binary."; exit 1; \
	  fi; }

migrations-check: $(VENV)/.installed-dev
	$(PY) manage.py makemigrations --check --dry-run

## bench: the benchmarks under bench/, each figure as `bench <name>: <value> <unit>`
bench: $(VENV)/.installed-dev
	$(PY) -m lusha_portal.launch with-redis -- $(PY) bench/run.py

## openapi-refresh: copy Lusha's OpenAPI descriptions from ../shared into docs/lusha-openapi/
openapi-refresh:
	cp ../shared/lusha-openapi/*.y*ml docs/lusha-openapi/

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
