#!/usr/bin/env bash
# Run every check and every test: ruff, mypy, import-linter, migrations, pytest on SQLite and
# on PostgreSQL (with browser tests). Installs what it needs first. Exit code 0 only if all pass.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
step() { printf '\n== %s (%ss)\n' "$*" "$((SECONDS - started))"; }

step "install"
bash scripts/bootstrap.sh --dev
if [ ! -x /usr/bin/chromium ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
export PATH="$PWD/.venv/bin:$PATH"
SMARKETING_DATA=$(mktemp -d /tmp/smarketing-test.XXXXXX)
export SMARKETING_DATA
trap 'rm -rf "$SMARKETING_DATA"' EXIT
unset DATABASE_URL TASK_QUEUE

step "ruff"
ruff check src tests bench
ruff format --check src tests bench
step "mypy"
mypy src
step "import-linter"
lint-imports
step "migrations are committed"
python -m django makemigrations --check --dry-run --settings=smarketing.settings

run_pytest() {
  local code=0
  pytest -p no:cacheprovider "$@" || code=$?
  if [ "$code" -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi
  [ "$code" -eq 0 ] || exit "$code"
}

step "pytest on SQLite (with browser tests)"
run_pytest -q

step "pytest on PostgreSQL"
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  for _ in $(seq 1 20); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
DATABASE_URL=postgres://postgres@127.0.0.1:5432/smarketing_ci run_pytest -q -m "not browser"

step "all checks passed"
