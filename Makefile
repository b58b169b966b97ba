# newsanalysis: build, test and docs.
#   make venv        .venv with the exact pins of settings.ini (requirements + dev_requirements) and the package
#   make run         analyse the shipped data/ into out/
#   make test        notebook tests, docs build, pytest (with the browser checks of the site)
#   make docs        README.md (+ README_files/) from nbs/index.ipynb, and the site in _site/, offline
#   make sync-check  fail when nbdev_export / nbdev_clean would change newsanalysis/ or nbs/
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := test

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The venv is (re)installed when the pins or the packaging change: the stamp file is named after their hash.
HASH := $(shell cat settings.ini setup.py pyproject.toml 2>/dev/null | sha256sum | cut -c1-16)
STAMP := $(VENV)/.installed-$(HASH)
# Shared datasets (never copied into the repo): cells marked `#| datasets` and tests marked `datasets` use them.
DATASETS := $(abspath $(or $(NEWSANALYSIS_DATASETS),../shared/datasets))
export NEWSANALYSIS_DATASETS := $(DATASETS)
export PATH := $(CURDIR)/$(BIN):$(PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: venv run test test-nbs docs sync-check clean

venv: $(STAMP)

$(STAMP):
	@test -x $(BIN)/python || { echo "make venv: creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@echo "make venv: installing the pinned requirements of settings.ini"
	$(BIN)/python -m pip install -q $$($(BIN)/python -c 'import configparser; c = configparser.ConfigParser(interpolation=None); c.read("settings.ini"); d = c["DEFAULT"]; print(d.get("requirements", ""), d.get("dev_requirements", ""))')
	$(BIN)/python -m pip install -q --no-deps -e .
	$(BIN)/python -m pip check
	@rm -f $(VENV)/.installed-*
	@touch $@
	@echo "make venv: ready ($@)"

run: venv
	$(BIN)/newsanalysis analyse data --out out

# Notebook tests. nbdev_test exits 0 when it finds no notebook: that counts as a failure here.
test-nbs: venv
	@if [ -d "$(DATASETS)" ]; then \
	  echo "nbdev_test: running the '#| datasets' cells too (datasets at $(DATASETS))"; flags="--flags datasets"; \
	else \
	  echo "nbdev_test: shared datasets not found at $(DATASETS): cells marked '#| datasets' are SKIPPED (set NEWSANALYSIS_DATASETS)"; flags=""; \
	fi; \
	log=$$(mktemp); trap 'rm -f "$$log"' EXIT; \
	$(BIN)/nbdev_test --timing $$flags 2>&1 | tee "$$log"; \
	if grep -q "No files were eligible" "$$log"; then echo "make test: nbdev_test found no notebook to test" >&2; exit 1; fi

test: venv
	@$(MAKE) --no-print-directory test-nbs
	@$(MAKE) --no-print-directory docs
	$(BIN)/python -m pytest tests/ -rs

docs: venv
	$(BIN)/python scripts/build_docs.py

sync-check: venv
	$(BIN)/python scripts/sync_check.py

clean:
	rm -rf _proc _site _site_shots out
