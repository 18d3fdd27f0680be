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
