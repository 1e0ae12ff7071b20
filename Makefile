# Fazhan — the two commands of the README are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: install run serve demo test test-sqlite test-postgres lint bench clean

## install: create .venv and install Fazhan with its dev extras (idempotent)
install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

## run: migrate, build the 罗汉镇 demo, serve on http://$(HOST)
run: install
	$(BIN)/fazhan migrate --noinput
	$(BIN)/fazhan demo
	@echo "Fazhan: http://$(HOST)/"
	$(BIN)/fazhan runserver $(HOST)

## serve: the production server on http://$(HOST) (gunicorn, hashed static files; jobs need `fazhan worker`)
serve: install
	$(BIN)/fazhan migrate --noinput
	$(BIN)/fazhan serve --bind $(HOST)

demo: install
	$(BIN)/fazhan migrate --noinput
	$(BIN)/fazhan demo

## test: the whole suite on SQLite and on PostgreSQL, browser tests included (sets up what it needs)
test: install
	bash scripts/test.sh

test-sqlite: install
	bash scripts/test.sh sqlite

test-postgres: install
	bash scripts/test.sh postgres

## lint: ruff (format and check), mypy with django-stubs, and no missing migrations
lint: install
	$(BIN)/ruff format --check fazhan tests benchmarks
	$(BIN)/ruff check fazhan tests benchmarks
	$(BIN)/mypy fazhan
	$(BIN)/fazhan makemigrations --check --dry-run

## bench: the long measurements (benchmarks/bench_*.py, on SQLite and on PostgreSQL)
bench: install
	bash scripts/bench.sh

clean:
	rm -rf $(VENV) fazhan.sqlite3 fazhan.sqlite3-* .pytest_cache .mypy_cache .ruff_cache test-artifacts
