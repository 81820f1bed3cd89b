# Duban: the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | cksum | cut -d' ' -f1)

.PHONY: run test fuzz install bench lock clean console

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

## run: install, build the console (Node.js >= 20), start embedded NATS + SQLite + the four
## services on 8001-8004 and the console on 8080
run: install
	@$(MAKE) --no-print-directory console || true
	$(BIN)/duban run

## console: build the web application into console/dist (npm ci && npm run build); without
## Node.js 20 or later it says how to get it and fails (`make run` goes on without the console)
console: console/dist/index.html

CONSOLE_SOURCES = console/package.json console/package-lock.json console/index.html console/vite.config.ts \
                  console/tsconfig.json $(shell find console/src -type f 2>/dev/null)

console/dist/index.html: $(CONSOLE_SOURCES)
	@if ! command -v node >/dev/null 2>&1 || [ "$$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then \
	  echo "console: Node.js 20 (20.19+) or later is needed to build the console (found: $$(node --version 2>/dev/null || echo none))."; \
	  echo "console: get it from https://nodejs.org/ (or apt-get install nodejs npm on Debian 13 / Ubuntu 24.04), then make run again."; \
	  echo "console: the services still run; the API is on 8001-8004."; \
	  exit 1; \
	fi
	cd console && npm ci --no-audit --no-fund && npm run build

## test: install and run the whole suite (uses NATS_URL / DATABASE_URL when set)
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## fuzz: schemathesis (--checks all) against the four services with many examples (CI runs 10)
fuzz: install
	DUBAN_FUZZ_EXAMPLES=$${DUBAN_FUZZ_EXAMPLES:-200} $(BIN)/python -m pytest tests/e2e/test_fuzz.py $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/run_all.py

## lock: refresh requirements.lock from a clean install of pyproject.toml
lock:
	rm -rf /tmp/duban-lock && $(PYTHON) -m venv /tmp/duban-lock
	/tmp/duban-lock/bin/pip install --quiet -e '.[test]'
	/tmp/duban-lock/bin/pip freeze --exclude-editable | grep -v '^-e' > requirements.lock

clean:
	rm -rf $(VENV) var .pytest_cache
