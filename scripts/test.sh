#!/usr/bin/env bash
# `make test`: set up what the tests need on a new machine, then run the whole suite on SQLite and on
# PostgreSQL. Usage: scripts/test.sh [sqlite|postgres|all] [pytest args...]
set -uo pipefail
cd "$(dirname "$0")/.."

which_engines=${1:-all}
[ $# -gt 0 ] && shift
# Two pytest-xdist workers, one per core of the machine; each has its own test database (test_<name>_gw0,
# <sqlite file>_gw0). FAZHAN_TEST_WORKERS=0 runs in this one process (for -s or --pdb).
WORKERS=${FAZHAN_TEST_WORKERS:-2}
PYTEST=(.venv/bin/pytest -p no:cacheprovider -n "$WORKERS" "$@")
PG_HOST=127.0.0.1
PG_PORT=5432
# FAZHAN_PG_DB lets two checkouts on one machine test side by side (their test databases are test_<name>).
PG_DB=${FAZHAN_PG_DB:-fazhan}
# The test connections' commits need not wait for the disk (a test database is thrown away; the transactional
# and browser tests commit and truncate at every test): set on these connections only, never on the server.
PG_URL="postgres://fazhan@${PG_HOST}:${PG_PORT}/${PG_DB}?options=-c%20synchronous_commit%3Doff"
in_ci=false
[ "${CI:-}" = "true" ] && in_ci=true

say() { printf '\n== %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }

debian_packages() {
  # chromium for the browser tests, CJK fonts so Chinese renders in pages and PDFs, poppler for PDF → PNG,
  # pango for WeasyPrint's PDFs, LibreOffice's headless Writer for the DOCX → PDF of forms and reports.
  # LibreOffice's Calc converts the test ledgers to .xls and .ods (a clerk's Excel and WPS files).
  local missing=()
  for pkg in chromium fonts-noto-cjk poppler-utils libpango-1.0-0 libpangoft2-1.0-0 libreoffice-writer-nogui \
    libreoffice-calc-nogui; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "Installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

pg_ready() { pg_isready -h "$PG_HOST" -p "$PG_PORT" -q 2>/dev/null; }

postgres_up() {
  command -v pg_isready >/dev/null 2>&1 || return 1
  if ! pg_ready && command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    say "Starting PostgreSQL"
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start || true
    for _ in $(seq 1 20); do pg_ready && break; sleep 0.5; done
  fi
  pg_ready || return 1
  local psql=(psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -qtAX)
  if [ "$("${psql[@]}" -c "select 1 from pg_roles where rolname='fazhan'")" != "1" ]; then
    "${psql[@]}" -c "create role fazhan login createdb" || return 1
  fi
  if [ "$("${psql[@]}" -c "select 1 from pg_database where datname='${PG_DB}'")" != "1" ]; then
    "${psql[@]}" -c "create database \"${PG_DB}\" owner fazhan" || return 1
  fi
}

run_suite() {
  local label=$1
  shift
  say "Test suite on ${label}"
  env "$@" DJANGO_ALLOW_ASYNC_UNSAFE=true "${PYTEST[@]}"
  local rc=$?
  if [ $rc -eq 5 ]; then
    echo "FAILED: no tests were collected on ${label}." >&2
    return 1
  fi
  return $rc
}

debian_packages || { echo "FAILED: could not install the Debian packages the tests need." >&2; exit 1; }

status=0
if [ "$which_engines" = all ] || [ "$which_engines" = sqlite ]; then
  run_suite SQLite -u DATABASE_URL || status=1
fi
if [ "$which_engines" = all ] || [ "$which_engines" = postgres ]; then
  if postgres_up; then
    run_suite PostgreSQL DATABASE_URL="$PG_URL" || status=1
  elif $in_ci; then
    echo "FAILED: PostgreSQL at ${PG_HOST}:${PG_PORT} is unreachable, and under CI the suite must run on it." >&2
    status=1
  else
    printf '\n%s\n%s\n%s\n' "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" \
      "!!  PostgreSQL at ${PG_HOST}:${PG_PORT} is unreachable: the PostgreSQL half was SKIPPED." \
      "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
  fi
fi
exit $status
