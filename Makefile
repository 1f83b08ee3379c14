# Two commands on a fresh machine: `make demo` and `make test`.
# Each builds .venv from nothing (only python3, make and a C compiler needed), then runs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test browser lint typecheck bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m darkfleet.warmup
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/darkfleet demo

test: $(STAMP) browser
	$(BIN)/python -m pytest

# Debian's chromium for the report's browser tests (skipped, with a message, where it cannot be had).
browser:
	@sh scripts/ensure_chromium.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_decode.py
	$(BIN)/python benchmarks/bench_screen.py
	$(BIN)/python benchmarks/bench_tracks.py
	$(BIN)/python benchmarks/bench_pipeline.py
	$(BIN)/python benchmarks/bench_detect.py
	$(BIN)/python benchmarks/bench_match.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache .mypy_cache demo-output
