# ganxun — the two commands of the README are `make demo` and `make test`.
# Everything else here is what those two need.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
SCALE ?= small
SEED ?= 2026
PORT ?= 8000
# PostgreSQL used by the second half of `make test`; the test database
# (test_<name>) is created and dropped by pytest-django.
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/ganxun

.PHONY: demo demo-reset test lint test-sqlite test-postgres setup assets worker clean bench

demo: setup
	$(PY) -m ganxun demo_up --scale $(SCALE) --seed $(SEED) --port $(PORT)

test: setup lint test-sqlite test-postgres

lint: setup
	$(PY) -m ruff check ganxun tests bench scripts conftest.py

test-sqlite: setup
	@echo "== tests on SQLite =="
	$(PY) -m pytest -n 2 -q $(PYTEST_ARGS)

test-postgres: setup
	@echo "== tests on PostgreSQL ($(PG_TEST_URL)) =="
	@if $(PY) scripts/pg_reachable.py "$(PG_TEST_URL)"; then \
		GANXUN_DATABASE_URL="$(PG_TEST_URL)" $(PY) -m pytest -n 2 -q $(PYTEST_ARGS); \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL is required in CI and is not reachable at $(PG_TEST_URL)"; exit 1; \
	else \
		echo "PostgreSQL not reachable at $(PG_TEST_URL): PostgreSQL run skipped (set PG_TEST_URL)"; \
	fi

setup: $(VENV)/.installed ganxun/static/vendor/.copied

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

ganxun/static/vendor/.copied: node_modules/.package-lock.json scripts/vendor_assets.py
	$(PY) scripts/vendor_assets.py
	touch $@

assets: ganxun/static/vendor/.copied

worker: setup
	$(PY) -m ganxun run_huey

# Benchmarks (not tests): figures are written down in bench/README.md.
bench: setup
	$(PY) bench/demo_bench.py
	$(PY) bench/import_bench.py
	$(PY) bench/list_bench.py
	$(PY) bench/close_bench.py
	$(PY) bench/checkin_bench.py
	$(PY) bench/lrs_ingest_bench.py
	@if $(PY) scripts/pg_reachable.py "$(PG_TEST_URL)"; then \
		$(PY) bench/demo_bench.py --database-url "$(PG_TEST_URL)"; \
		$(PY) bench/import_bench.py --database-url "$(PG_TEST_URL)"; \
		$(PY) bench/list_bench.py --database-url "$(PG_TEST_URL)"; \
		$(PY) bench/close_bench.py --database-url "$(PG_TEST_URL)"; \
		$(PY) bench/checkin_bench.py --database-url "$(PG_TEST_URL)"; \
		$(PY) bench/lrs_ingest_bench.py --database-url "$(PG_TEST_URL)"; \
		$(PY) bench/lrs_query_bench.py --database-url "$(PG_TEST_URL)"; \
		$(PY) bench/heartbeat_bench.py --database-url "$(PG_TEST_URL)"; \
	fi

demo-reset: setup
	$(PY) -m ganxun demo_generate --scale $(SCALE) --seed $(SEED) --reset

clean:
	rm -rf $(VENV) node_modules ganxun/static/vendor var
