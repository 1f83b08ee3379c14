# Two commands on a fresh machine: `make demo` and `make test`.
# Each builds .venv from nothing (only python3, make and a C compiler needed), then runs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint typecheck bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/darkfleet demo

test: $(STAMP)
	$(BIN)/python -m pytest

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

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache .mypy_cache demo-output
