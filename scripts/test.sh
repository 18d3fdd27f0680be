#!/usr/bin/env bash
# One command from a fresh clone to the whole test suite: installs, lints, type-checks, tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/bootstrap.sh
export PYTHONDONTWRITEBYTECODE=1
uv run --frozen ruff check .
uv run --frozen ruff format --check .
uv run --frozen mypy
uv run --frozen lint-imports
# The browser tests drive a real Chromium (Debian's package; Playwright's own download cannot work here).
command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
uv run --frozen pytest "$@"
