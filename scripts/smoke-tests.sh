#!/usr/bin/env bash
# Smoke tests against a running hotelbot web process: health, readiness, metrics, the login page
# and the webhook's authentication. Prints PASS/FAIL per check; exits 1 if any check fails.
set -uo pipefail

usage() {
    cat <<'USAGE'
usage: scripts/smoke-tests.sh ENV [BASE_URL]

ENV is local, staging or production. BASE_URL defaults by ENV:
  local       http://127.0.0.1:8000
  staging     $SMOKE_BASE_URL_STAGING     (default https://staging.your-domain.com)
  production  $SMOKE_BASE_URL_PRODUCTION  (default https://your-domain.com)

Checks (curl):
  GET  /health               200 and "ok" in the body
  GET  /health/ready         200 (database at the migration head, Redis reachable)
  GET  /metrics              200 and http_requests_total in the body (with METRICS_TOKEN as
                             the bearer token; without it, a 401 asking for one passes too)
  GET  /login                200 and a password field
  POST /webhooks/green-api   with a wrong token: 401

Environment: SMOKE_TIMEOUT (seconds per request, default 10), SMOKE_INSTANCE_ID (the Green API
instance the webhook check claims to be, default 1; with a real one the wrong token is what
gets refused), METRICS_TOKEN (the bearer token /metrics asks for, if the installation sets one).
Exit codes: 0 every check passed, 1 a check failed, 2 usage error.
USAGE
}

case "${1:-}" in
    -h | --help) usage; exit 0 ;;
    "") usage >&2; exit 2 ;;
esac
if [ $# -gt 2 ]; then
    echo "error: too many arguments" >&2; usage >&2; exit 2
fi

env_name="$1"
case "$env_name" in
    local) default_url="http://127.0.0.1:8000" ;;
    staging) default_url="${SMOKE_BASE_URL_STAGING:-https://staging.your-domain.com}" ;;
    production) default_url="${SMOKE_BASE_URL_PRODUCTION:-https://your-domain.com}" ;;
    *) echo "error: ENV must be local, staging or production, not '$env_name'" >&2; exit 2 ;;
esac
base_url="${2:-$default_url}"
base_url="${base_url%/}"
case "$base_url" in
    http://* | https://*) ;;
    *) echo "error: BASE_URL must start with http:// or https://, not '$base_url'" >&2; exit 2 ;;
esac
if ! command -v curl >/dev/null 2>&1; then
    echo "error: curl is not installed" >&2; exit 1
fi
timeout="${SMOKE_TIMEOUT:-10}"
instance_id="${SMOKE_INSTANCE_ID:-1}"

body_file="$(mktemp)"
trap 'rm -f "$body_file"' EXIT
passed=0
failed=0

# request METHOD PATH [curl args...]: sets $status (000 when nothing answered); body in $body_file
request() {
    local method="$1" path="$2"
    shift 2
    status="$(curl -sS -o "$body_file" -w '%{http_code}' --max-time "$timeout" -X "$method" "$@" \
        "$base_url$path" 2>/dev/null)" || true
    status="${status:-000}"
}

# check NAME EXPECTED_STATUS [PATTERN]: judge the last request
check() {
    local name="$1" want="$2" pattern="${3:-}"
    if [ "$status" = "000" ]; then
        echo "FAIL  $name: no answer from $base_url (connection refused or timed out), expected $want"
        failed=$((failed + 1))
    elif [ "$status" != "$want" ]; then
        echo "FAIL  $name: HTTP $status, expected $want"
        failed=$((failed + 1))
    elif [ -n "$pattern" ] && ! grep -Eq -- "$pattern" "$body_file"; then
        echo "FAIL  $name: HTTP $status but the body does not match /$pattern/"
        failed=$((failed + 1))
    else
        echo "PASS  $name"
        passed=$((passed + 1))
    fi
}

echo "smoke tests: $env_name at $base_url"

request GET /health
check "GET /health" 200 '"ok"'

request GET /health/ready
check "GET /health/ready" 200

if [ -n "${METRICS_TOKEN:-}" ]; then
    request GET /metrics -H "Authorization: Bearer $METRICS_TOKEN"
    check "GET /metrics" 200 'http_requests_total'
else
    request GET /metrics
    if [ "$status" = "401" ]; then
        # METRICS_TOKEN is set on the server: the answer is right, the metrics are not ours to read.
        echo "PASS  GET /metrics: asks for its bearer token (set METRICS_TOKEN to read the metrics)"
        passed=$((passed + 1))
    else
        check "GET /metrics" 200 'http_requests_total'
    fi
fi

request GET /login
check "GET /login" 200 "type=[\"']?password"

webhook="{\"typeWebhook\":\"stateInstanceChanged\",\"instanceData\":{\"idInstance\":$instance_id,\"wid\":\"\",\"typeInstance\":\"whatsapp\"},\"timestamp\":0,\"stateInstance\":\"authorized\"}"
request POST /webhooks/green-api -H "Content-Type: application/json" \
    -H "Authorization: Bearer smoke-test-wrong-token" --data "$webhook"
check "POST /webhooks/green-api with a wrong token" 401

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
