# REGIO — two commands do all set-up: `make serve` and `make test`.
# Both create (or refresh) a local virtualenv in .venv and install the project into it.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8080
PYTEST_ARGS ?=

.PHONY: help install serve test docs bench clean

help:
	@echo "make serve   install into $(VENV) and serve the default dataset at http://$(HOST):$(PORT)"
	@echo "make test    install into $(VENV) and run the whole test suite"
	@echo "make docs    write the HTML documentation of the ontology to docs/ontology/"
	@echo "make bench   install the benchmark peers and list the bench/ scripts"

# The stamp is refreshed whenever pyproject.toml changes, so a pull that adds a dependency
# reinstalls on the next make serve / make test.
$(BIN)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

install: $(BIN)/.installed

serve: install
	$(BIN)/regio serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

docs: install
	$(BIN)/regio docs --output docs/ontology

bench: install
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	@ls bench/

clean:
	rm -rf $(VENV) .pytest_cache
