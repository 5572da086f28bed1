#!/usr/bin/env bash
# Create .venv and install Smarketing into it. Usage: scripts/bootstrap.sh [--dev]
# Re-running is cheap: it reinstalls only when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."
extras=""
[ "${1:-}" = "--dev" ] && extras="[dev]"
python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Smarketing needs Python 3.11 or newer; $python is older. Set PYTHON=/path/to/python3.11." >&2
  exit 1
fi
# WeasyPrint (the review pack's PDF) needs Debian's pango
if command -v apt-get >/dev/null 2>&1 && ! ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0"; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
    libpango-1.0-0 libpangoft2-1.0-0 >/dev/null
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
stamp=".venv/.installed$extras"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip 2>/dev/null || true
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".$extras" 2>&1 \
    | grep -v "is ignored: it is neither a file nor a directory" || true
  .venv/bin/python -c "import smarketing" || { echo "installation failed" >&2; exit 1; }
  touch "$stamp"
fi
