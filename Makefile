# The two commands of the README: `make run` and `make test`. Each sets up .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint format services chromium bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# The studio on http://$(HOST):$(PORT) with one tracking server, `default`, started; data
# under ./trackdeck-data/studio/. (`trackdeck server` still runs one server on its own.)
run: $(STAMP)
	$(BIN)/trackdeck studio --host $(HOST) --port $(PORT) --data-dir trackdeck-data/studio --default-server default

# PostgreSQL on 127.0.0.1:5432 is part of this machine; start it if it is down.
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done; echo "PostgreSQL did not start"; exit 1

# The browser tests (tests/ui) drive Debian's Chromium; `playwright install` does not work here.
chromium:
	@test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)

test: $(STAMP) services chromium
	$(BIN)/ruff check .
	$(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) trackdeck-data .pytest_cache

# Side-by-side benchmark against `mlflow server` 3.17.2 in its own venv (bench/README.md).
# `make bench` runs the small scale; `make bench SCALE=full` runs the issue's numbers.
SCALE ?= small
BENCH_VENV := .venv-bench
BENCH_MLFLOW := 3.17.2

$(BENCH_VENV)/bin/mlflow:
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet mlflow==$(BENCH_MLFLOW)

bench: $(STAMP) $(BENCH_VENV)/bin/mlflow
	$(BIN)/python -m bench.run --scale $(SCALE) $(BENCH_ARGS)
