# hotspotkaart — two commands do everything on a fresh Debian/Ubuntu machine with Python >= 3.11:
#   make maps   install into .venv and build the maps from the embedded Dordrecht data (maps/)
#   make test   install into .venv (with test tools and Debian's chromium) and run every check
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: maps test install install-test chromium lint typecheck pytest benchmarks screenshots clean

maps: install
	$(BIN)/hotspotkaart build

test: install-test chromium lint typecheck pytest

install: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

install-test: $(VENV)/.installed-test
$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

# Browser tests drive Debian's chromium through playwright; nothing is downloaded at test time.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-dejavu-core; }

lint:
	$(BIN)/ruff check src tests benchmarks

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/pytest

benchmarks: install-test
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

screenshots: install-test chromium
	$(BIN)/python tests/screenshots.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache test-artifacts
