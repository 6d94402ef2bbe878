# hotspotkaart — two commands do everything on a fresh Debian/Ubuntu machine with Python >= 3.11:
#   make maps   install into .venv and build the maps from the embedded Dordrecht data (maps/)
#   make test   install into .venv (with test tools and Debian's chromium) and run every check
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: maps test install install-test chromium lint typecheck pytest benchmarks screenshots clean \
	bytecode

maps: install bytecode
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
	# GDAL 3.6's GeoPackage validator (validate_gpkg.py, pure Python) checks the GeoPackage as
	# QGIS 3.22 / GDAL 3.6 desktops read it; --no-deps: the GDAL bindings are not needed for it.
	$(BIN)/python -m pip install --quiet --no-deps "gdal-utils==3.6.4.0"
	touch $@

# Browser tests drive Debian's chromium through playwright; nothing is downloaded at test time.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-dejavu-core; }

lint:
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/pytest

# An editable install leaves the tool's own modules uncompiled, and where PYTHONDONTWRITEBYTECODE
# is set (containers, CI images) Python compiles them again at every run: 0.2 s of a 2.5 s demo
# build. Compile them as pip compiles an installed package; only changed files are redone.
bytecode: install
	$(BIN)/python -m compileall -q src/hotspotkaart

benchmarks: install-test bytecode
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

screenshots: install-test chromium
	$(BIN)/python tests/screenshots.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache test-artifacts
