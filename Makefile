# Rapport: `make run` to try it, `make test` to check it. Both do all set-up themselves.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export RAPPORT_INSECURE_DEV_KEY ?= true

.PHONY: run test test-browser lint install migrate demo chromium clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

# Browser libraries (SortableJS, Chart.js) come from npm and are served by Django staticfiles;
# reinstalled only when the lock file is newer than the installed tree.
node_modules: package-lock.json
	@command -v npm >/dev/null || (apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null)
	npm ci --no-audit --no-fund
	touch node_modules

install: $(STAMP) node_modules

migrate: install
	$(BIN)/rapport migrate --noinput -v0

demo: migrate
	$(BIN)/rapport demo --if-empty

run: demo
	$(BIN)/rapport serve

# Debian's chromium drives the browser tests; installed once if missing (needs root, as on CI).
chromium:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

test: install chromium
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy rapport config

clean:
	rm -rf $(VENV) var node_modules
