#!/usr/bin/env bash
# Install Smarketing and run the demo on SQLite: generate demo data, start web + worker.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/smarketing demo "$@"
