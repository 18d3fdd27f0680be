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
# Bytecode once, at install: every process the demo and the tests start imports the same few
# thousand modules, and where PYTHONDONTWRITEBYTECODE is set (as on our machines) each of them
# would compile them all again (seconds per process). The project's own modules likewise; a
# module edited afterwards is simply compiled again when imported.
uv sync --frozen --quiet --compile-bytecode
.venv/bin/python -m compileall -q -j 0 domain web jobs observability sim cli.py embedded.py >/dev/null
