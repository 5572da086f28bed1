#!/usr/bin/env bash
# Run every check and every test: ruff, mypy, import-linter, migrations, pytest on SQLite and
# on PostgreSQL (with browser tests). Installs what it needs first. Exit code 0 only if all pass.
#
#   bash scripts/test.sh          everything (what CI and the README run)
#   bash scripts/test.sh --fast   ruff, then every test but the process and browser tests, on
#                                 SQLite, on both cores: the lane to run before a commit
#
# pytest runs in two lanes side by side: lane 1 runs the process and browser tests on SQLite
# (they mostly wait on the processes they start, each site copied from a migrated template;
# the process tests choose their own database by their `kind` parameter); lane 2 runs every
# other test on SQLite, then on PostgreSQL the tests that use pytest's database (see
# tests/conftest.py), the SQLite pass on two pytest-xdist workers that use what lane 1 leaves idle.
set -euo pipefail
cd "$(dirname "$0")/.."
fast=0
[ "${1:-}" = "--fast" ] && fast=1
started=$SECONDS
step() { printf '\n== %s (%ss)\n' "$*" "$((SECONDS - started))"; }

step "install"
bash scripts/bootstrap.sh --dev
if [ "$fast" -eq 0 ] && { [ ! -x /usr/bin/chromium ] || ! command -v pdftotext >/dev/null; }; then
  # the browser tests drive Debian's chromium; the PDF tests read the pack with pdftotext
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
    chromium poppler-utils >/dev/null
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

step "pytest in two lanes side by side (SQLite: process and browser tests | SQLite on 2 workers: the others, then PostgreSQL)"
logs="$SMARKETING_DATA/logs"
mkdir -p "$logs"
# lane 1 mostly waits on the processes it starts; lane 2's two workers keep the cores busy
(
  export SMARKETING_DATA="$SMARKETING_DATA/lane1" SMARKETING_TEST_PASS=sqlite
  mkdir -p "$SMARKETING_DATA"
  run_pytest -q -m "slow or browser"
) >"$logs/sqlite-processes.log" 2>&1 &
lane1=$!
(
  export SMARKETING_DATA="$SMARKETING_DATA/lane2" SMARKETING_TEST_PASS=sqlite
  mkdir -p "$SMARKETING_DATA"
  run_pytest -q -n 2 -m "not slow and not browser" >"$logs/sqlite.log" 2>&1
  echo "(lane 2's SQLite pass ended at $((SECONDS - started))s)" >>"$logs/sqlite.log"
  # a database name of this run's own, so that two runs on one server do not collide
  export SMARKETING_TEST_PASS=postgres
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/smarketing_ci_$$"
  # one worker: the journal's consumers read only facts older than the oldest transaction
  # running on the server, and a second worker's test transaction would hold them back
  code=0; run_pytest -q -m "not browser" >"$logs/postgres.log" 2>&1 || code=$?
  echo "(lane 2's PostgreSQL pass ended at $((SECONDS - started))s)" >>"$logs/postgres.log"
  exit "$code"
) &
lane2=$!
code1=0; wait "$lane1" || code1=$?
ended1=$((SECONDS - started))
code2=0; wait "$lane2" || code2=$?
step "pytest on SQLite: process and browser tests (lane 1, ended at ${ended1}s)"
cat "$logs/sqlite-processes.log"
step "pytest on SQLite: the other tests (lane 2)"
cat "$logs/sqlite.log"
step "pytest on PostgreSQL: the tests that use pytest's database (lane 2)"
cat "$logs/postgres.log" 2>/dev/null || echo "(not run: the SQLite tests of lane 2 failed)"
if [ "$code1" -ne 0 ] || [ "$code2" -ne 0 ]; then
  echo "pytest failed: lane 1 exit $code1, lane 2 exit $code2" >&2
  exit 1
fi

step "all checks passed"
