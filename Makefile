# Two commands for a newcomer: `make build` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-requirements
export DBT_PROFILES_DIR := $(CURDIR)

.PHONY: build test test-fast venv check-inputs seeds lint docs dashboard bench bench-postgres clean

build: $(INSTALLED)  ## dbt build on the DuckDB demo data -> segmentation.duckdb
	$(BIN)/dbt build

test: $(INSTALLED)  ## the whole test suite: pytest drives dbt on DuckDB and Postgres, sqlfluff, ruff
	$(BIN)/pytest

test-fast: $(INSTALLED)  ## the developer loop: every test but those marked slow (whole dbt builds)
	$(BIN)/pytest -m "not slow"

venv: $(INSTALLED)

$(INSTALLED): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

check-inputs: $(INSTALLED)  ## check the inputs without building anything; VARS='{input_schema: bank, ...}' for your own tables
	$(BIN)/dbt run-operation check_inputs --vars "$${VARS:-{}}"

seeds: $(INSTALLED)  ## regenerate the demo bank (deterministic) and its ground-truth personas
	$(BIN)/python scripts/generate_demo_data.py --out seeds/demo --personas-out tests/fixtures/demo_personas.csv

lint: $(INSTALLED)  ## style checks only
	$(BIN)/ruff check . && $(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint models analyses tests/data

docs: $(INSTALLED)
	$(BIN)/dbt docs generate

dashboard: $(INSTALLED)  ## the Streamlit dashboard over the marts (dashboard/README.md), on port $STREAMLIT_SERVER_PORT or 8501
	$(BIN)/streamlit run dashboard/app.py --server.port $${STREAMLIT_SERVER_PORT:-8501} \
		--server.headless true --browser.gatherUsageStats false

bench: $(INSTALLED)  ## scale benchmark on DuckDB at 100,000 and 1,000,000 customers x 24 months (pandas at 100,000 only: 6 GB there) -> bench/*.json, bench/RESULTS.md
	$(BIN)/python scripts/benchmark.py --customers 100000 --months 24 --out bench/bench_100000.json
	$(BIN)/python scripts/benchmark.py --customers 1000000 --months 24 --skip-pandas --dbt-threads 1 --out bench/bench_1000000.json

bench-postgres: $(INSTALLED)  ## scale benchmark on the Postgres server (PG* variables) at 100,000 and 1,000,000 customers x 24 months -> bench/*.json, bench/RESULTS.md
	$(BIN)/python scripts/benchmark.py --customers 100000 --months 24 --target postgres --out bench/bench_postgres_100000.json
	$(BIN)/python scripts/benchmark.py --customers 1000000 --months 24 --target postgres --out bench/bench_postgres_1000000.json

clean:
	rm -rf target logs segmentation.duckdb
