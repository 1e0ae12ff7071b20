#!/usr/bin/env bash
# `make bench`: the long measurements. Every benchmarks/bench_*.py runs on SQLite and then on PostgreSQL,
# each printing its own figures (ratios against a baseline measured in the same run: the machine is shared).
# benchmarks/bench_load.py (the load test) needs locust, the `bench` extra: installed here when missing.
# BENCH_LOAD_SECONDS bounds each of its rates (default 60 s). benchmarks/bench_province.py runs on PostgreSQL
# only (a province is copied into PostgreSQL; BENCH_DISTRICTS districts, default 2).
set -uo pipefail
cd "$(dirname "$0")/.."
{ test -x .venv/bin/locust && .venv/bin/python -c "import duckdb" 2>/dev/null; } || .venv/bin/python -m pip install -q -e '.[dev,bench]'
PG_DB=${FAZHAN_PG_DB:-fazhan}
PG_URL="postgres://fazhan@127.0.0.1:5432/${PG_DB}_bench"
status=0
shopt -s nullglob
benches=(benchmarks/bench_*.py)
[ $# -gt 0 ] && benches=("$@")  # scripts/bench.sh benchmarks/bench_load.py: only those
if [ ${#benches[@]} -eq 0 ]; then
  echo "make bench: no benchmarks yet."
  exit 0
fi
psql -h 127.0.0.1 -U postgres -d postgres -qtAX -c "select 1" >/dev/null 2>&1 && pg=true || pg=false
for bench in "${benches[@]}"; do
  args=()
  [ "$bench" = benchmarks/bench_load.py ] && args=(--seconds "${BENCH_LOAD_SECONDS:-60}")
  if [ "$bench" != benchmarks/bench_province.py ]; then
    printf '\n== %s on SQLite\n' "$bench"
    tmp=$(mktemp -d)
    DATABASE_URL="sqlite:///${tmp}/bench.sqlite3" .venv/bin/python "$bench" "${args[@]}" || status=1
    rm -rf "$tmp"
  fi
  if $pg; then
    printf '\n== %s on PostgreSQL\n' "$bench"
    psql -h 127.0.0.1 -U postgres -d postgres -qtAX -c "drop database if exists \"${PG_DB}_bench\"" -c "create database \"${PG_DB}_bench\" owner fazhan" >/dev/null
    DATABASE_URL="$PG_URL" .venv/bin/python "$bench" "${args[@]}" || status=1
  else
    echo "!! PostgreSQL unreachable: $bench skipped on PostgreSQL" >&2
  fi
done
exit $status
