#!/usr/bin/env bash
# Roll the web and worker deployments of ENV back to their previous revision, wait for the
# rollouts, run the smoke tests. Run with --help for the details.
set -euo pipefail

NAMESPACE="hotel-bot"
API="whatsapp-hotel-bot-api"
WORKER="whatsapp-hotel-bot-worker"

case "${BASH_SOURCE[0]}" in */*) here="${BASH_SOURCE[0]%/*}" ;; *) here="." ;; esac
SCRIPT_DIR="$(cd "$here" && pwd)"

usage() {
    cat <<'USAGE'
usage: scripts/rollback.sh [options] ENV

Rolls deployment/whatsapp-hotel-bot-api and deployment/whatsapp-hotel-bot-worker in namespace
hotel-bot of ENV (staging or production) back to their previous revision (kubectl rollout
undo), waits for both rollouts (kubectl rollout status), then runs scripts/smoke-tests.sh ENV.
Database migrations are not undone: if the previous image needs the older schema, run
scripts/run_migrations.py --downgrade REV (after a backup) before this.

options:
  --dry-run           print the kubectl commands instead of running them
  --timeout SECONDS   for each rollout (default $ROLLOUT_TIMEOUT or 300)
  --skip-smoke        do not run the smoke tests
  --base-url URL      the smoke tests' BASE_URL (default: per ENV, see smoke-tests.sh --help)
  -h, --help          this help

environment: KUBE_CONTEXT_STAGING / KUBE_CONTEXT_PRODUCTION (kubectl --context for ENV),
SMOKE_TESTS (smoke test command).
exit codes: 0 rolled back and healthy, 1 a step failed, 2 usage error.
USAGE
}

die_usage() { echo "error: $*" >&2; echo "run scripts/rollback.sh --help for usage" >&2; exit 2; }

dry_run=false
skip_smoke=false
timeout="${ROLLOUT_TIMEOUT:-300}"
base_url=""
positional=()
while [ $# -gt 0 ]; do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --dry-run) dry_run=true ;;
        --skip-smoke) skip_smoke=true ;;
        --timeout) [ $# -ge 2 ] || die_usage "--timeout needs SECONDS"; timeout="$2"; shift ;;
        --base-url) [ $# -ge 2 ] || die_usage "--base-url needs a URL"; base_url="$2"; shift ;;
        --) shift; positional+=("$@"); break ;;
        -*) die_usage "unknown option $1" ;;
        *) positional+=("$1") ;;
    esac
    shift
done
[ ${#positional[@]} -eq 1 ] || die_usage "expected ENV, got ${#positional[@]} argument(s)"
env_name="${positional[0]}"
case "$env_name" in
    staging | production) ;;
    *) die_usage "ENV must be staging or production, not '$env_name'" ;;
esac
[[ "$timeout" =~ ^[1-9][0-9]*$ ]] || die_usage "--timeout must be a whole number of seconds"
smoke="${SMOKE_TESTS:-$SCRIPT_DIR/smoke-tests.sh}"
context_var="KUBE_CONTEXT_${env_name^^}"
context="${!context_var:-}"

if ! $dry_run && ! command -v kubectl >/dev/null 2>&1; then
    echo "error: kubectl is not installed or not on PATH (use --dry-run to see the commands)" >&2
    exit 1
fi

# shown, kc (kubectl or its dry-run echo) and step
# shellcheck source=scripts/_kubectl.sh
source "$SCRIPT_DIR/_kubectl.sh"

fail() {
    echo "error: $*" >&2
    echo "check: kubectl get pods -n $NAMESPACE; kubectl rollout history deployment/$API -n $NAMESPACE" >&2
    exit 1
}

echo "rolling back $env_name (namespace $NAMESPACE${context:+, context $context})"

step "checking the deployments"
kc get deployment "$API" "$WORKER" -n "$NAMESPACE" -o name ||
    fail "cannot read deployments $API and $WORKER in namespace $NAMESPACE"

step "undoing the last rollout"
kc rollout undo "deployment/$API" -n "$NAMESPACE" || fail "kubectl rollout undo failed for $API"
kc rollout undo "deployment/$WORKER" -n "$NAMESPACE" || fail "kubectl rollout undo failed for $WORKER"

step "waiting for the rollouts (at most ${timeout} s each)"
kc rollout status "deployment/$API" -n "$NAMESPACE" "--timeout=${timeout}s" ||
    fail "the rollback of $API did not finish"
kc rollout status "deployment/$WORKER" -n "$NAMESPACE" "--timeout=${timeout}s" ||
    fail "the rollback of $WORKER did not finish"

run_smoke fail "the smoke tests failed after the rollback"

echo "rolled back $env_name; database migrations were left as they are"
