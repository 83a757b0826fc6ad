# The two commands of the README: `make demo` and `make test`. Everything else is a helper of theirs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# JupyterLab refuses to run as root without this flag (containers, CI machines).
ROOT_FLAG := $(shell [ "$$(id -u)" = "0" ] && echo --allow-root)

SUDO   := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

.PHONY: demo test install browser bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --editable '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Start the local AWS emulator with the demo world and open JupyterLab on notebooks/ pointed at it.
demo: $(STAMP)
	$(BIN)/sm-lineage-emulator -- $(BIN)/jupyter lab --ServerApp.root_dir=notebooks --ip=127.0.0.1 \
	  --LabApp.default_url=/lab/tree/02_quickstart_explorer.ipynb $(ROOT_FLAG)

## Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser of its own).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

## Set everything up and run every test.
test: $(STAMP) browser
	$(BIN)/pytest

## The measured claims: each prints ratios against a baseline measured in the same run.
bench: $(STAMP)
	@for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

lint: $(STAMP)
	$(BIN)/pip install --quiet ruff mypy
	$(BIN)/ruff check jupyter_sm_lineage exporter tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
