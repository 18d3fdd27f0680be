#!/usr/bin/env bash
# One command from a fresh clone to the running demo: installs, then `hotelbot demo`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/bootstrap.sh
exec uv run --frozen hotelbot demo "$@"
