# jupyterlab-dockerize: `make lab` runs the product, `make test` runs every suite.
# Every target installs what it needs (Debian packages, .venv, node_modules, the build)
# and is safe to run again: steps whose inputs did not change are skipped.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
STAMPS := .stamps
export PATH := $(CURDIR)/$(VENV)/bin:$(CURDIR)/node_modules/.bin:$(PATH)
# Quieter pip and npm; the machine's own registry settings are kept.
export PIP_DISABLE_PIP_VERSION_CHECK := 1
NPM := npm --no-audit --no-fund --loglevel=error

FRONTEND_SOURCES := $(shell find src style schema -type f -not -path '*/__tests__/*' 2>/dev/null) \
	package.json tsconfig.json
SERVER_SOURCES := $(shell find jupyterlab_dockerize -name '*.py' 2>/dev/null) \
	pyproject.toml install.json $(shell find jupyter-config -type f)

.PHONY: help lab test bench setup lint format clean distclean harness-up harness-down \
	docs docs-screenshots

help:
	@echo "make lab    set up everything and start JupyterLab with the extension"
	@echo "make test   set up everything and run every test suite"
	@echo "make bench  run the benchmarks (bench/results.json, BENCHMARKS.md)"
	@echo "make format fix formatting (prettier, eslint --fix, ruff)"
	@echo "make docs   regenerate docs/configuration.md; docs-screenshots: docs/images"
	@echo "make clean  remove build output; distclean also .venv, node_modules, harness state"

lab: setup
	scripts/lab.sh

test: setup
	scripts/test.sh

bench: setup
	scripts/bench.sh

setup: $(STAMPS)/extension

$(STAMPS)/debian: scripts/debian-packages.sh
	@mkdir -p $(STAMPS)
	scripts/debian-packages.sh base
	command -v node >/dev/null || scripts/debian-packages.sh node
	@touch $@

$(STAMPS)/venv: requirements-dev.txt $(STAMPS)/debian
	test -x $(VENV)/bin/python || python3 -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -r requirements-dev.txt
	$(VENV)/bin/python -m bash_kernel.install --sys-prefix >/dev/null
	@touch $@

$(STAMPS)/node: package.json package-lock.json $(STAMPS)/debian
	$(NPM) ci
	@touch $@

# The labextension, built by @jupyterlab/builder against JupyterLab's core metadata.
$(STAMPS)/labextension: $(FRONTEND_SOURCES) $(STAMPS)/node $(STAMPS)/venv
	$(NPM) run build:prod
	@touch $@

# `pip install .` as a user would; the package build reuses the labextension built above.
$(STAMPS)/extension: $(STAMPS)/labextension $(SERVER_SOURCES)
	$(VENV)/bin/python -m pip install -q .
	@touch $@

# docs/configuration.md's tables, from config.py and schema/plugin.json (a test compares).
docs: $(STAMPS)/venv
	$(VENV)/bin/python scripts/docs-reference.py

# docs/images/*.png, taken by Galata; needs the test engine and registry (make harness-up).
docs-screenshots: setup
	source .harness/env && DOCKERIZE_SCREENSHOTS=1 scripts/ui-tests.sh tests/screenshots.spec.ts

harness-up:
	scripts/harness/up.sh

harness-down:
	scripts/harness/down.sh

lint: $(STAMPS)/node $(STAMPS)/venv
	$(NPM) run lint:check
	ruff check .
	ruff format --check .

format: $(STAMPS)/node $(STAMPS)/venv
	$(NPM) run lint
	ruff check --fix .
	ruff format .

clean:
	rm -rf lib tsconfig.tsbuildinfo jupyterlab_dockerize/labextension jupyterlab_dockerize/_version.py \
		$(STAMPS) coverage ui-tests/test-results ui-tests/playwright-report

distclean: clean
	-scripts/harness/down.sh --purge
	rm -rf $(VENV) node_modules ui-tests/node_modules
