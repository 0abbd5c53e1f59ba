# The one place that says how to install, run, lint and test. `.ci/run` calls these targets.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
# Pins of every package, tested together (name==version lines; no registry addresses).
CONSTRAINTS := constraints.txt
PIP := $(BIN)/pip install --disable-pip-version-check -q -c $(CONSTRAINTS)

export PATH := $(abspath $(BIN)):$(PATH)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DAGSTER_DISABLE_TELEMETRY := true

.PHONY: help install install-dev run load test lint bench bench-files clean dbt-build

help:
	@echo "make run      install and run the whole pipeline on the embedded demo sources"
	@echo "make test     install the dev tools and run every test (DuckDB and PostgreSQL)"
	@echo "make lint     ruff, mypy, and sqlfluff on the dbt project"
	@echo "make bench    bench/load.py at 1M rows (ROWS=5000000 for more)"
	@echo "make bench-files  bench/files.py: 5M trips as monthly Parquet and CSV files (FILE_ROWS=...)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required; set PYTHON=/path/to/python3.11"'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml $(CONSTRAINTS)
	$(PIP) -e .
	@touch $@

# The tests run on every warehouse, Spark's too.
$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) -e '.[dev,spark]'
	@touch $@

# ELT_WAREHOUSE=spark: dbt-spark and a local Spark (about 630 MB).
$(VENV)/.installed-spark: $(VENV)/.installed
	$(PIP) -e '.[spark]'
	@touch $@

# The benchmark's peers (connectorx, ADBC, dlt): only `make bench` installs them.
$(VENV)/.installed-bench: $(VENV)/.installed
	$(PIP) -e '.[bench]'
	@touch $@

# dagster-dbt reads dbt's manifest when the definitions are imported: build it when the dbt
# project changes (`dagster dev` re-parses by itself).
MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project -path dbt_project/target -prune -o -type f \( -name '*.sql' -o -name '*.yml' \) -print) profiles/profiles.yml
# The graph is the same on every target: parse it on an in-memory DuckDB, whatever ELT_WAREHOUSE.
$(MANIFEST): $(VENV)/.installed $(DBT_SOURCES)
	ELT_WAREHOUSE=duckdb ELT_DUCKDB_PATH=:memory: $(BIN)/dagster-dbt project prepare-and-package --file orchestration/dbt_project.py

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# `ELT_WAREHOUSE=spark make run` installs Spark first.
RUN_EXTRAS := $(if $(filter spark,$(ELT_WAREHOUSE)),$(VENV)/.installed-spark)

run: install $(RUN_EXTRAS) $(MANIFEST)
	$(BIN)/elt run

load: install
	$(BIN)/elt load

test: install-dev $(MANIFEST)
	$(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	# sqlfluff's dbt templater compiles the project; an in-memory DuckDB leaves no file behind.
	cd dbt_project && ELT_WAREHOUSE=duckdb ELT_DUCKDB_PATH=:memory: $(abspath $(BIN))/sqlfluff lint .

# dbt by hand, on the warehouse the environment names (ELT_WAREHOUSE, ...).
dbt-build: install
	$(BIN)/elt dbt build

ROWS ?= 1000000
bench: $(VENV)/.installed-bench
	$(BIN)/python bench/load.py --rows $(ROWS)

FILE_ROWS ?= 5000000
bench-files: $(VENV)/.installed
	$(BIN)/python bench/files.py --rows $(FILE_ROWS)

clean:
	rm -rf $(VENV) .local warehouse.duckdb dbt_project/target dbt_project/logs
