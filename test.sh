#!/usr/bin/env bash
# Install everything the tests need and run them.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh test
. .venv/bin/activate
ruff check .
exec python -m pytest -q "$@"
