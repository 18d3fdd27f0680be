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
# Debian packages the tests use: Chromium for the browser tests (Playwright's own download cannot
# work here) and promtool (package prometheus) to check the alert rules and dashboard queries.
missing=""
command -v chromium >/dev/null || missing="$missing chromium"
command -v promtool >/dev/null || missing="$missing prometheus"
if [ -n "$missing" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
uv run --frozen pytest "$@"
