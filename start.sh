#!/usr/bin/env bash
# Install what the app needs and start it. The store is built from the bundled data on first start.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh app
. .venv/bin/activate
exec streamlit run app.py --server.headless true --browser.gatherUsageStats false "$@"
