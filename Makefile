# The course's two commands: `make book` and `make test`. Both set everything up first.
#
#   make book      virtual environment + pinned packages + convlib + site scripts, then the site
#                  and the download for readers (_build/html/convlib-course.zip)
#   make test      the same setup, then every check (lint, unit/property/symbolic tests, notebook
#                  validation with nbval, the strict book build, the lock and the download on
#                  every platform, the site and JupyterLab in headless Chromium)
#   make execute   re-run every chapter notebook in place (after editing a chapter)
#   make lab       open the chapters in JupyterLab, widgets and MyST working (Python only)
#   make lock      recompile requirements.txt and tools/bundle/requirements.txt from their .in
#   make bench     the speed table of convlib against its peers (not part of `make test`)
#   make bench-layer  the general layer against torch (not part of `make test`)
#
# Python 3.11 to 3.13: PYTHON=... if given, else the one .venv has, else the newest python3.13,
# python3.12 or python3.11 on PATH.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

SUPPORTED_PYTHONS := 3.13 3.12 3.11
VENV := .venv
BIN := $(VENV)/bin
# The interpreter: PYTHON=... if given; else the one .venv was made with, if it is supported; else
# the newest supported one that runs (a pyenv shim for a version that is not selected exists but
# fails, so each candidate is run, not just looked up).
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell $(BIN)/python -c 'import sys; (3, 11) <= sys.version_info[:2] <= (3, 13) \
  and print(sys._base_executable)' 2>/dev/null)
ifeq ($(PYTHON),)
PYTHON := $(shell for v in $(SUPPORTED_PYTHONS); do \
  python$$v -c '' >/dev/null 2>&1 && { echo python$$v; break; }; done)
endif
endif
SETUP := $(VENV)/.installed
VENDOR := assets/vendor
VENDORED := $(VENDOR)/.copied
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM
# Tests and notebooks run on one thread each, so results and timings do not depend on the machine.
export OMP_NUM_THREADS := 1
export OPENBLAS_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1
export MPLBACKEND := Agg

.PHONY: help setup python-env book build-site bundle execute test lint unit nbval install-check \
	site-check lab lock bench bench-layer clean FORCE

help:
	@sed -n '1,15p' Makefile | sed 's/^# \{0,1\}//'

## --- setup -------------------------------------------------------------------------------

# The environment is made again when the interpreter's version is not the one .venv was made with.
PY_WANT := $(if $(PYTHON),$(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null))
PY_HAVE := $(shell $(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
VENV_CLEAR := $(if $(PY_HAVE),$(if $(filter $(PY_WANT),$(PY_HAVE)),,--clear))

$(SETUP): requirements.txt pyproject.toml $(if $(VENV_CLEAR),FORCE)
	@test -n "$(PYTHON)" || { echo "make: no working python3.13, python3.12 or python3.11 on PATH;" \
	  "install one, or name it: make PYTHON=/path/to/python3.12 ..." >&2; exit 1; }
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if (3, 11) <= v <= (3, 13) else \
	  f"make: the course runs on Python 3.11 to 3.13, but $(PYTHON) is {v[0]}.{v[1]};" \
	  " install one of those, or name it: make PYTHON=python3.12 ...")'
	$(PYTHON) -m venv $(VENV_CLEAR) $(VENV)
	$(BIN)/python -m pip install --quiet --quiet --disable-pip-version-check --require-hashes -r requirements.txt
	$(BIN)/python -m pip install --quiet --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

FORCE:

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

# The site serves its own JavaScript, pinned in package-lock.json: nothing comes from a CDN.
$(VENDORED): node_modules/.installed
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/html-manager
	cp -r node_modules/mathjax/es5 $(VENDOR)/mathjax
	cp node_modules/requirejs/require.js $(VENDOR)/require.js
	cp node_modules/@jupyter-widgets/html-manager/dist/embed-amd.js \
	   node_modules/@jupyter-widgets/html-manager/dist/*.{woff,woff2,ttf,eot,svg} \
	   $(VENDOR)/html-manager/
	touch $@

python-env: $(SETUP)
setup: $(SETUP) $(VENDORED)

## --- the book ----------------------------------------------------------------------------

# Chapters are stored executed (`make execute`); the build does not run them, it renders them.
build-site: setup
	rm -rf _build/html _build/.doctrees
	$(BIN)/jupyter-book build . --builder html -W -n --keep-going
	$(BIN)/python tools/build_bundle.py _build/html/convlib-course.zip

# The download for readers alone, without building the site again.
bundle: $(SETUP)
	$(BIN)/python tools/build_bundle.py _build/html/convlib-course.zip

book: build-site
	@echo "The site is in _build/html/index.html"

execute: $(SETUP)
	$(BIN)/python tools/execute_notebooks.py chapters/*.ipynb

# JupyterLab needs only the Python environment. tools/jupyter/ holds its settings for this course:
# saving a chapter writes the same metadata as `make execute` (no noisy diffs). As root (in most
# containers) it needs --allow-root. LAB_DIR and LAB_ARGS are for tests/browser/test_lab.py.
LAB_DIR ?= chapters
LAB_ARGS ?=
lab: $(SETUP)
	JUPYTER_CONFIG_PATH=$(CURDIR)/tools/jupyter $(BIN)/jupyter lab --ServerApp.root_dir=$(LAB_DIR) \
	  $$( [ "$$(id -u)" = 0 ] && echo --allow-root ) $(LAB_ARGS)

# Both locks from their .in files, from PyPI alone, for CPython 3.11 to 3.13 on every platform.
UV_COMPILE := $(BIN)/uv pip compile --quiet --no-config --default-index https://pypi.org/simple \
	--universal --python-version 3.11 --generate-hashes --custom-compile-command "make lock"
lock: $(SETUP)
	$(UV_COMPILE) requirements.in -o requirements.txt
	$(UV_COMPILE) -c requirements.txt tools/bundle/requirements.in -o tools/bundle/requirements.txt

## --- checks ------------------------------------------------------------------------------

lint: $(SETUP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

unit: $(SETUP)
	$(BIN)/python -m pytest tests --ignore=tests/browser --ignore=tests/install \
	  --doctest-modules convlib

# Strict nbval: every stored output must be what the code produces now.
nbval: $(SETUP)
	$(BIN)/python -m pytest --nbval chapters \
	  --nbval-sanitize-with chapters/sanitize.cfg -o testpaths=chapters

site-check: $(SETUP)
	@command -v $(CHROMIUM) >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "The site check needs Debian's chromium: sudo apt-get install chromium"; exit 1; fi; }
	$(BIN)/python -m pytest tests/browser

# Runs anywhere: the lock resolves to wheels with its hashes for CPython 3.11-3.13 on Linux, macOS
# and Windows; the reader's download installs from PyPI in a fresh environment and runs every
# chapter.
install-check: build-site
	$(BIN)/python -m pytest tests/install

test: setup lint unit nbval build-site install-check site-check

bench: $(SETUP)
	$(BIN)/python benchmarks/bench.py

bench-layer: $(SETUP)
	$(BIN)/python benchmarks/bench_layer.py

clean:
	rm -rf _build $(VENV) node_modules $(VENDOR) test-artifacts
