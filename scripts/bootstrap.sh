#!/usr/bin/env bash
# Installs what the project needs on a fresh machine: uv, then the locked Python environment.
# Sourced by scripts/demo.sh and scripts/test.sh; safe to run again (it only adds what is missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v uv >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check uv 2>/dev/null \
        || python3 -m pip install --quiet --user --disable-pip-version-check uv
    export PATH="$HOME/.local/bin:$PATH"
fi
uv sync --frozen --quiet
