# Everything installs itself: a fresh machine needs only Python 3.11+, pip, git, node/npm
# (and apt as root for Chromium, used by the browser tests and the benchmark).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
SRC := $(wildcard app tests bench geodata)
STORY ?= russia-iran

.PHONY: run test lint format geodata bench export chromium clean

$(VENV)/.runtime: requirements.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

## run: install what is missing and start the tour on the flagship story
run: $(VENV)/.runtime node_modules/.installed
	$(BIN)/streamlit run app/streamlit_app.py --server.port $(PORT)

## test: install what is missing and run the whole test suite (unit + real Chromium + Streamlit)
test: $(VENV)/.dev node_modules/.installed chromium
	$(BIN)/python -m pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check $(SRC)
	$(BIN)/ruff format --check $(SRC)

format: $(VENV)/.dev
	$(BIN)/ruff format $(SRC)
	$(BIN)/ruff check --fix $(SRC)

## geodata: rebuild geodata/*.geojson from Natural Earth (npm) and geodata/facts/*.csv
geodata: $(VENV)/.runtime node_modules/.installed
	$(BIN)/python geodata/build.py

## export: write out/$(STORY).html, one self-contained file
export: $(VENV)/.runtime node_modules/.installed
	$(BIN)/python -m app export stories/$(STORY).md --out out/$(STORY).html

## bench: measure the tour and the export in real Chromium (see README, Performance)
bench: $(VENV)/.dev node_modules/.installed chromium
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules out .pytest_cache
