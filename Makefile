# Duban: the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | cksum | cut -d' ' -f1)

.PHONY: run test fuzz install bench lock clean

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

## run: install, start embedded NATS + SQLite + the four services on 8001-8004
run: install
	$(BIN)/duban run

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
