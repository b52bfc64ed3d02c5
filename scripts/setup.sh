#!/usr/bin/env bash
# Create .venv (once) and install the pinned dependencies. Usage: scripts/setup.sh [app|test]
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-app}"
PY="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
. .venv/bin/activate
python -m pip install -q --upgrade pip
python -m pip install -q -r requirements.txt
# The project itself (editable), for the `sse-audit` command.
python -m pip install -q --no-deps -e .
if [ "$what" = "test" ]; then
  python -m pip install -q -r requirements-dev.txt
  if [ -f requirements-llm.txt ]; then
    # The default llama.cpp build segfaults on these machines; build it portable.
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_AMX_INT8=OFF -DGGML_OPENMP=OFF" \
      python -m pip install -q -r requirements-llm.txt
  fi
fi
