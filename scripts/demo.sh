#!/usr/bin/env bash
# One command from a fresh clone to the running demo: installs, then `hotelbot demo`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/bootstrap.sh
# The venv's own entry point, not "uv run": Ctrl-C and SIGTERM reach the demo itself, which stops
# everything it started.
exec .venv/bin/hotelbot demo "$@"
