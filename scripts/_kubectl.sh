# Shared by scripts/deploy.sh and scripts/rollback.sh (sourced, not run). Needs $dry_run and $context.

# shown ARGS...: the words as a shell would take them back (quoted only where needed)
shown() {
    local word out=()
    for word in "$@"; do
        if [[ "$word" =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then
            out+=("$word")
        else
            out+=("'${word//\'/\'\\\'\'}'")
        fi
    done
    printf '%s\n' "${out[*]}"
}

# kc ARGS...: kubectl with the ENV's context, or the command printed under --dry-run
kc() {
    local args=("$@")
    [ -z "$context" ] || args=(--context "$context" "${args[@]}")
    if $dry_run; then
        echo "[dry-run] $(shown kubectl "${args[@]}")"
    else
        kubectl "${args[@]}"
    fi
}

step() { echo "==> $*"; }

# run_smoke ON_FAILURE MESSAGE: the smoke tests against $env_name (or $base_url), unless --skip-smoke;
# on failure runs "ON_FAILURE MESSAGE". Needs $skip_smoke, $smoke, $env_name and $base_url.
run_smoke() {
    local on_failure="$1" message="$2" smoke_args
    if $skip_smoke; then
        echo "smoke tests skipped (--skip-smoke)"
        return
    fi
    step "smoke tests"
    smoke_args=("$env_name")
    [ -z "$base_url" ] || smoke_args+=("$base_url")
    if $dry_run; then
        echo "[dry-run] $(shown "$smoke" "${smoke_args[@]}")"
    else
        "$smoke" "${smoke_args[@]}" || "$on_failure" "$message"
    fi
}
