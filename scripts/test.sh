#!/usr/bin/env bash
# Run every check and every test: ruff, mypy, import-linter, migrations, pytest on SQLite and
# on PostgreSQL (with browser tests). Installs what it needs first. Exit code 0 only if all pass.
#
#   bash scripts/test.sh          everything (what CI and the README run)
#   bash scripts/test.sh --fast   ruff, then every test but the process and browser tests, on
#                                 SQLite, on both cores: the lane to run before a commit
#
# The two pytest passes run side by side (one per core): the SQLite pass runs every test; the
# PostgreSQL pass runs the tests that use pytest's database (the process tests choose their
# database by their `kind` parameter and already ran in the SQLite pass; see tests/conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."
fast=0
[ "${1:-}" = "--fast" ] && fast=1
started=$SECONDS
step() { printf '\n== %s (%ss)\n' "$*" "$((SECONDS - started))"; }

step "install"
bash scripts/bootstrap.sh --dev
if [ "$fast" -eq 0 ] && [ ! -x /usr/bin/chromium ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
export PATH="$PWD/.venv/bin:$PATH"
# every process the tests start imports Django: compile the project's bytecode once, so that
# none of them compiles it again (PYTHONDONTWRITEBYTECODE keeps them from writing it)
python -m compileall -q src tests >/dev/null
SMARKETING_DATA=$(mktemp -d /tmp/smarketing-test.XXXXXX)
export SMARKETING_DATA
trap 'rm -rf "$SMARKETING_DATA"' EXIT
unset DATABASE_URL TASK_QUEUE

step "ruff"
ruff check src tests bench
ruff format --check src tests bench

run_pytest() {
  local code=0
  pytest -p no:cacheprovider "$@" || code=$?
  if [ "$code" -eq 5 ]; then echo "pytest collected no tests: failing" >&2; return 1; fi
  return "$code"
}

if [ "$fast" -eq 1 ]; then
  step "pytest, fast lane (no process or browser tests, 2 workers)"
  run_pytest -q -n 2 -m "not slow and not browser"
  step "fast lane passed"
  exit 0
fi

step "mypy"
mypy src
step "import-linter"
lint-imports
step "migrations are committed"
python -m django makemigrations --check --dry-run --settings=smarketing.settings

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  for _ in $(seq 1 20); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

step "pytest on SQLite (with browser tests) and on PostgreSQL, side by side"
logs="$SMARKETING_DATA/logs"
mkdir -p "$logs"
(
  export SMARKETING_DATA="$SMARKETING_DATA/sqlite" SMARKETING_TEST_PASS=sqlite
  mkdir -p "$SMARKETING_DATA"
  run_pytest -q
) >"$logs/sqlite.log" 2>&1 &
sqlite_pid=$!
(
  # a database name of this run's own, so that two runs on one server do not collide
  export SMARKETING_DATA="$SMARKETING_DATA/postgres" SMARKETING_TEST_PASS=postgres
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/smarketing_ci_$$"
  mkdir -p "$SMARKETING_DATA"
  run_pytest -q -m "not browser"
) >"$logs/postgres.log" 2>&1 &
postgres_pid=$!
sqlite_code=0; wait "$sqlite_pid" || sqlite_code=$?
sqlite_done=$((SECONDS - started))
postgres_code=0; wait "$postgres_pid" || postgres_code=$?
step "pytest on SQLite (ended at ${sqlite_done}s)"
cat "$logs/sqlite.log"
step "pytest on PostgreSQL"
cat "$logs/postgres.log"
if [ "$sqlite_code" -ne 0 ] || [ "$postgres_code" -ne 0 ]; then
  echo "pytest failed: SQLite pass exit $sqlite_code, PostgreSQL pass exit $postgres_code" >&2
  exit 1
fi

step "all checks passed"
