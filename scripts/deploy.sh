#!/usr/bin/env bash
# Deploy image TAG to ENV on Kubernetes: the migration Job first, then the web and worker
# deployments, rollout status, smoke tests. Run with --help for the details.
set -euo pipefail

NAMESPACE="hotel-bot"
API="whatsapp-hotel-bot-api"
WORKER="whatsapp-hotel-bot-worker"
MIGRATE_JOB="whatsapp-hotel-bot-migrate"
IMAGE_NAME="whatsapp-hotel-bot"

case "${BASH_SOURCE[0]}" in */*) here="${BASH_SOURCE[0]%/*}" ;; *) here="." ;; esac
SCRIPT_DIR="$(cd "$here" && pwd)"
ROOT_DIR="$(cd "$SCRIPT_DIR/.." && pwd)"

usage() {
    cat <<'USAGE'
usage: scripts/deploy.sh [options] ENV TAG

Deploys the image [$REGISTRY/]whatsapp-hotel-bot:TAG to ENV (staging or production), in
namespace hotel-bot:
  1. checks that both deployments exist (kubectl get),
  2. runs the migration Job whatsapp-hotel-bot-migrate with the new image: deletes the old Job,
     applies the manifest with the image set (kubectl set image --local ... | kubectl apply),
     waits until it is Complete (stops at Failed or after the timeout, printing its logs),
  3. kubectl set image on deployment/whatsapp-hotel-bot-api (container "api") and
     deployment/whatsapp-hotel-bot-worker (container "worker"),
  4. kubectl rollout status on both, with the timeout,
  5. scripts/smoke-tests.sh ENV [--base-url].
If the migration fails nothing else is touched. If a later step fails it prints how to roll
back, or rolls back itself with --auto-rollback. Migrations are never undone automatically.

options:
  --dry-run             print the kubectl commands instead of running them
  --auto-rollback       on a failed rollout or smoke test, run kubectl rollout undo on both
  --timeout SECONDS     for the migration Job and each rollout (default $ROLLOUT_TIMEOUT or 300)
  --skip-smoke          do not run the smoke tests
  --base-url URL        the smoke tests' BASE_URL (default: per ENV, see smoke-tests.sh --help)
  --migrate-manifest F  the Job manifest (default $MIGRATE_JOB_MANIFEST or k8s/migrate-job.yaml)
  -h, --help            this help

environment: REGISTRY (image registry, e.g. registry.example.com/hotel), KUBE_CONTEXT_STAGING /
KUBE_CONTEXT_PRODUCTION (kubectl --context for ENV), API_CONTAINER / WORKER_CONTAINER (default
api / worker), POLL_SECONDS (Job status poll, default 5), SMOKE_TESTS (smoke test command).
exit codes: 0 deployed, 1 a step failed, 2 usage error.
USAGE
}

die_usage() { echo "error: $*" >&2; echo "run scripts/deploy.sh --help for usage" >&2; exit 2; }

dry_run=false
auto_rollback=false
skip_smoke=false
timeout="${ROLLOUT_TIMEOUT:-300}"
base_url=""
manifest="${MIGRATE_JOB_MANIFEST:-$ROOT_DIR/k8s/migrate-job.yaml}"
positional=()
while [ $# -gt 0 ]; do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --dry-run) dry_run=true ;;
        --auto-rollback) auto_rollback=true ;;
        --skip-smoke) skip_smoke=true ;;
        --timeout) [ $# -ge 2 ] || die_usage "--timeout needs SECONDS"; timeout="$2"; shift ;;
        --base-url) [ $# -ge 2 ] || die_usage "--base-url needs a URL"; base_url="$2"; shift ;;
        --migrate-manifest) [ $# -ge 2 ] || die_usage "--migrate-manifest needs a file"; manifest="$2"; shift ;;
        --) shift; positional+=("$@"); break ;;
        -*) die_usage "unknown option $1" ;;
        *) positional+=("$1") ;;
    esac
    shift
done
[ ${#positional[@]} -eq 2 ] || die_usage "expected ENV and TAG, got ${#positional[@]} argument(s)"
env_name="${positional[0]}"
tag="${positional[1]}"
case "$env_name" in
    staging | production) ;;
    *) die_usage "ENV must be staging or production, not '$env_name'" ;;
esac
[[ "$tag" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die_usage "'$tag' is not a valid image tag"
[[ "$timeout" =~ ^[1-9][0-9]*$ ]] || die_usage "--timeout must be a whole number of seconds"
poll="${POLL_SECONDS:-5}"
registry="${REGISTRY:-}"
image="${registry:+${registry%/}/}$IMAGE_NAME:$tag"
api_container="${API_CONTAINER:-api}"
worker_container="${WORKER_CONTAINER:-worker}"
smoke="${SMOKE_TESTS:-$SCRIPT_DIR/smoke-tests.sh}"
context_var="KUBE_CONTEXT_${env_name^^}"
context="${!context_var:-}"

if ! $dry_run && ! command -v kubectl >/dev/null 2>&1; then
    echo "error: kubectl is not installed or not on PATH (use --dry-run to see the commands)" >&2
    exit 1
fi
if [ ! -f "$manifest" ]; then
    if $dry_run; then
        echo "warning: migration Job manifest $manifest does not exist" >&2
    else
        echo "error: migration Job manifest $manifest does not exist (--migrate-manifest)" >&2
        exit 1
    fi
fi

# shown, kc (kubectl or its dry-run echo) and step
# shellcheck source=scripts/_kubectl.sh
source "$SCRIPT_DIR/_kubectl.sh"

rollback_hint() {
    echo "to roll back: scripts/rollback.sh $env_name" >&2
    echo "  (kubectl rollout undo deployment/$API -n $NAMESPACE; kubectl rollout undo deployment/$WORKER -n $NAMESPACE)" >&2
    echo "  the migrations of $tag stay applied; the previous image must work with them" >&2
}

after_rollout_failure() {
    echo "error: $*" >&2
    if $auto_rollback; then
        step "--auto-rollback: undoing the rollout of both deployments"
        local undo_failed=false
        kc rollout undo "deployment/$API" -n "$NAMESPACE" || undo_failed=true
        kc rollout undo "deployment/$WORKER" -n "$NAMESPACE" || undo_failed=true
        kc rollout status "deployment/$API" -n "$NAMESPACE" "--timeout=${timeout}s" || undo_failed=true
        kc rollout status "deployment/$WORKER" -n "$NAMESPACE" "--timeout=${timeout}s" || undo_failed=true
        if $undo_failed; then
            echo "error: the automatic rollback failed too; check kubectl get pods -n $NAMESPACE" >&2
        else
            echo "rolled back to the previous revision (migrations stay applied)" >&2
        fi
    else
        rollback_hint
    fi
    exit 1
}

wait_for_migration() {
    if $dry_run; then
        kc get job "$MIGRATE_JOB" -n "$NAMESPACE" -o 'jsonpath={.status.conditions[?(@.status=="True")].type}'
        echo "[dry-run] (repeated every ${poll} s until Complete or Failed, at most ${timeout} s)"
        return 0
    fi
    local deadline=$((SECONDS + timeout)) state
    while :; do
        state="$(kc get job "$MIGRATE_JOB" -n "$NAMESPACE" \
            -o 'jsonpath={.status.conditions[?(@.status=="True")].type}')" || state="unknown"
        case " $state " in
            *" Complete "*) echo "migration Job complete"; return 0 ;;
            *" Failed "* | *" FailureTarget "*) echo "error: the migration Job failed" >&2; return 1 ;;
        esac
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "error: the migration Job did not complete within ${timeout} s" >&2
            return 1
        fi
        sleep "$poll"
    done
}

echo "deploying $image to $env_name (namespace $NAMESPACE${context:+, context $context})"

step "checking the deployments"
kc get deployment "$API" "$WORKER" -n "$NAMESPACE" -o name || {
    echo "error: cannot read deployments $API and $WORKER in namespace $NAMESPACE" >&2
    exit 1
}

step "running the migration Job $MIGRATE_JOB with $image"
kc delete job "$MIGRATE_JOB" -n "$NAMESPACE" --ignore-not-found --wait=true || {
    echo "error: cannot delete the previous migration Job; the deployments were not changed" >&2
    exit 1
}
if $dry_run; then
    ctx=()
    [ -z "$context" ] || ctx=(--context "$context")
    echo "[dry-run] $(shown kubectl "${ctx[@]}" set image --local -f "$manifest" "*=$image" -o yaml) |" \
        "$(shown kubectl "${ctx[@]}" apply -n "$NAMESPACE" -f -)"
elif ! kc set image --local -f "$manifest" "*=$image" -o yaml | kc apply -n "$NAMESPACE" -f -; then
    echo "error: cannot create the migration Job from $manifest; the deployments were not changed" >&2
    exit 1
fi
if ! wait_for_migration; then
    kc logs "job/$MIGRATE_JOB" -n "$NAMESPACE" --tail=100 >&2 || true
    echo "error: migration failed; the deployments were not changed" >&2
    exit 1
fi

step "updating the deployments to $image"
kc set image "deployment/$API" -n "$NAMESPACE" "$api_container=$image" ||
    after_rollout_failure "kubectl set image failed for $API"
kc set image "deployment/$WORKER" -n "$NAMESPACE" "$worker_container=$image" ||
    after_rollout_failure "kubectl set image failed for $WORKER"

step "waiting for the rollouts (at most ${timeout} s each)"
kc rollout status "deployment/$API" -n "$NAMESPACE" "--timeout=${timeout}s" ||
    after_rollout_failure "the rollout of $API did not finish"
kc rollout status "deployment/$WORKER" -n "$NAMESPACE" "--timeout=${timeout}s" ||
    after_rollout_failure "the rollout of $WORKER did not finish"

run_smoke after_rollout_failure "the smoke tests failed after deploying $image"

echo "deployed $image to $env_name"
