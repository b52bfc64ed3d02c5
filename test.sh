#!/usr/bin/env bash
# Install everything the tests need and run them.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh test
# The browser test drives Debian's Chromium (Playwright's own browser download does not work offline).
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium >/dev/null
fi
# The team-store tests start a throwaway PostgreSQL (tests/pg_server.py) from Debian's binaries.
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq postgresql >/dev/null
fi
. .venv/bin/activate
ruff check .
# The layers contract (pyproject.toml [tool.importlinter]).
lint-imports
exec python -m pytest -q "$@"
