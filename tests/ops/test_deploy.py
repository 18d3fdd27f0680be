"""scripts/deploy.sh and scripts/rollback.sh: the kubectl commands they issue (--dry-run, and a fake
kubectl first on PATH that records its arguments) and what they do when a step fails."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.ops import SCRIPTS, assert_exit, output, run_script, script_env

IMAGE = "registry.example.com/hotel/whatsapp-hotel-bot:v1.4.2"
JSONPATH = 'jsonpath={.status.conditions[?(@.status=="True")].type}'

FAKE_KUBECTL = """#!/usr/bin/env bash
# Records its arguments; fails when they contain $FAKE_KUBECTL_FAIL; answers the few reads.
args="$*"
args="${args#--context * }"
# apply reads the manifest first, so its line comes after the command that produced it
[[ "$args" != "apply "* ]] || cat > "$FAKE_LOG.applied"
printf '%s\\n' "$*" >> "$FAKE_LOG"
if [ -n "${FAKE_KUBECTL_FAIL:-}" ] && [[ "$*" == *"$FAKE_KUBECTL_FAIL"* ]]; then
    echo "fake kubectl: failing on purpose" >&2
    exit 1
fi
case "$args" in
    "set image --local"*) echo "kind: Job  # with the new image" ;;
    "apply "*) echo "job.batch/whatsapp-hotel-bot-migrate created" ;;
    "get job "*) printf '%s' "${FAKE_JOB_STATE-Complete}" ;;
    "logs "*) echo "alembic: boom" ;;
esac
exit 0
"""

FAKE_SMOKE = """#!/usr/bin/env bash
printf 'smoke %s\\n' "$*" >> "$FAKE_LOG"
exit "${FAKE_SMOKE_EXIT:-0}"
"""


@dataclass
class Cluster:
    """A fake kubectl and smoke test command, and what they were asked to do."""

    bin: Path
    log: Path
    manifest: Path
    smoke: Path

    def env(self, **extra: str) -> dict[str, str]:
        env = script_env(REGISTRY="registry.example.com/hotel/", SMOKE_TESTS=str(self.smoke), **extra)
        env["FAKE_LOG"] = str(self.log)
        env["PATH"] = f"{self.bin}:{env['PATH']}"
        env["POLL_SECONDS"] = "0.1"
        return env

    def calls(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []


@pytest.fixture
def cluster(tmp_path: Path) -> Cluster:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (("kubectl", FAKE_KUBECTL), ("smoke", FAKE_SMOKE)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    manifest = tmp_path / "migrate-job.yaml"
    manifest.write_text("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: whatsapp-hotel-bot-migrate\n")
    return Cluster(bin_dir, tmp_path / "calls.log", manifest, bin_dir / "smoke")


def deploy(cluster: Cluster, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_script("deploy.sh", "--migrate-manifest", str(cluster.manifest), *args, env=cluster.env(**env))


def rollback(cluster: Cluster, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_script("rollback.sh", *args, env=cluster.env(**env))


def _deploy_calls(cluster: Cluster) -> list[str]:
    return [
        "get deployment whatsapp-hotel-bot-api whatsapp-hotel-bot-worker -n hotel-bot -o name",
        "delete job whatsapp-hotel-bot-migrate -n hotel-bot --ignore-not-found --wait=true",
        f"set image --local -f {cluster.manifest} *={IMAGE} -o yaml",
        "apply -n hotel-bot -f -",
        f"get job whatsapp-hotel-bot-migrate -n hotel-bot -o {JSONPATH}",
        f"set image deployment/whatsapp-hotel-bot-api -n hotel-bot api={IMAGE}",
        f"set image deployment/whatsapp-hotel-bot-worker -n hotel-bot worker={IMAGE}",
        "rollout status deployment/whatsapp-hotel-bot-api -n hotel-bot --timeout=300s",
        "rollout status deployment/whatsapp-hotel-bot-worker -n hotel-bot --timeout=300s",
    ]


UNDO = [
    "rollout undo deployment/whatsapp-hotel-bot-api -n hotel-bot",
    "rollout undo deployment/whatsapp-hotel-bot-worker -n hotel-bot",
    "rollout status deployment/whatsapp-hotel-bot-api -n hotel-bot --timeout=300s",
    "rollout status deployment/whatsapp-hotel-bot-worker -n hotel-bot --timeout=300s",
]


# ---------------------------------------------------------------- dry runs


def test_deploy_dry_run_prints_the_commands_and_runs_none(cluster: Cluster) -> None:
    result = deploy(cluster, "--dry-run", "staging", "v1.4.2")

    assert_exit(result, 0, f"deployed {IMAGE} to staging")
    printed = [
        line.removeprefix("[dry-run] ") for line in result.stdout.splitlines() if line.startswith("[dry-run]")
    ]
    assert printed == [
        "kubectl get deployment whatsapp-hotel-bot-api whatsapp-hotel-bot-worker -n hotel-bot -o name",
        "kubectl delete job whatsapp-hotel-bot-migrate -n hotel-bot --ignore-not-found --wait=true",
        f"kubectl set image --local -f {cluster.manifest} '*={IMAGE}' -o yaml"
        " | kubectl apply -n hotel-bot -f -",
        f"kubectl get job whatsapp-hotel-bot-migrate -n hotel-bot -o '{JSONPATH}'",
        "(repeated every 0.1 s until Complete or Failed, at most 300 s)",
        f"kubectl set image deployment/whatsapp-hotel-bot-api -n hotel-bot api={IMAGE}",
        f"kubectl set image deployment/whatsapp-hotel-bot-worker -n hotel-bot worker={IMAGE}",
        "kubectl rollout status deployment/whatsapp-hotel-bot-api -n hotel-bot --timeout=300s",
        "kubectl rollout status deployment/whatsapp-hotel-bot-worker -n hotel-bot --timeout=300s",
        f"{cluster.smoke} staging",
    ]
    assert cluster.calls() == []


def test_rollback_dry_run_prints_the_commands_and_runs_none(cluster: Cluster) -> None:
    result = rollback(cluster, "production", "--dry-run", "--timeout", "120")

    assert_exit(result, 0, "rolled back production")
    printed = [
        line.removeprefix("[dry-run] ") for line in result.stdout.splitlines() if line.startswith("[dry-run]")
    ]
    assert printed == [
        "kubectl get deployment whatsapp-hotel-bot-api whatsapp-hotel-bot-worker -n hotel-bot -o name",
        "kubectl rollout undo deployment/whatsapp-hotel-bot-api -n hotel-bot",
        "kubectl rollout undo deployment/whatsapp-hotel-bot-worker -n hotel-bot",
        "kubectl rollout status deployment/whatsapp-hotel-bot-api -n hotel-bot --timeout=120s",
        "kubectl rollout status deployment/whatsapp-hotel-bot-worker -n hotel-bot --timeout=120s",
        f"{cluster.smoke} production",
    ]
    assert cluster.calls() == []


def test_the_environments_kube_context_goes_on_every_command(cluster: Cluster) -> None:
    result = deploy(cluster, "production", "v1.4.2", "--skip-smoke", KUBE_CONTEXT_PRODUCTION="prod-eu")

    assert_exit(result, 0)
    assert [c for c in cluster.calls() if "set image --local" not in c] == [
        f"--context prod-eu {c}" for c in _deploy_calls(cluster) if "set image --local" not in c
    ]


# ---------------------------------------------------------------- with a (fake) cluster


def test_deploy_migrates_first_then_updates_both_deployments_then_smoke_tests(cluster: Cluster) -> None:
    result = deploy(cluster, "staging", "v1.4.2", "--base-url", "https://staging.example.com")

    assert_exit(result, 0, f"deployed {IMAGE} to staging")
    assert cluster.calls() == [*_deploy_calls(cluster), "smoke staging https://staging.example.com"]
    # What kubectl apply got is what kubectl set image --local made of the manifest.
    assert Path(f"{cluster.log}.applied").read_text() == "kind: Job  # with the new image\n"


def test_a_failed_migration_touches_no_deployment(cluster: Cluster) -> None:
    result = deploy(cluster, "staging", "v1.4.2", FAKE_JOB_STATE="Failed")

    assert_exit(result, 1, "the migration Job failed", "alembic: boom", "the deployments were not changed")
    calls = cluster.calls()
    assert calls[-1] == "logs job/whatsapp-hotel-bot-migrate -n hotel-bot --tail=100"
    assert not any(c.startswith(("set image deployment", "rollout", "smoke")) for c in calls)


def test_a_migration_that_never_finishes_times_out(cluster: Cluster) -> None:
    result = deploy(cluster, "staging", "v1.4.2", "--timeout", "1", FAKE_JOB_STATE="")

    assert_exit(result, 1, "did not complete within 1 s", "the deployments were not changed")
    assert not any(c.startswith("set image deployment") for c in cluster.calls())


def test_a_failed_rollout_prints_how_to_roll_back(cluster: Cluster) -> None:
    result = deploy(
        cluster, "staging", "v1.4.2", FAKE_KUBECTL_FAIL="rollout status deployment/whatsapp-hotel-bot-api"
    )

    assert_exit(
        result, 1, "the rollout of whatsapp-hotel-bot-api did not finish", "scripts/rollback.sh staging"
    )
    calls = cluster.calls()
    assert calls == _deploy_calls(cluster)[:-1]  # stopped at the failing status; no smoke test
    assert not any("undo" in c for c in calls)


def test_auto_rollback_undoes_both_deployments_after_a_failed_rollout(cluster: Cluster) -> None:
    result = deploy(
        cluster,
        "staging",
        "v1.4.2",
        "--auto-rollback",
        FAKE_KUBECTL_FAIL="rollout status deployment/whatsapp-hotel-bot-worker -n hotel-bot --timeout=300s",
    )

    assert_exit(result, 1, "--auto-rollback", "the automatic rollback failed too")
    # The fake fails every status of the worker, the one after the undo included.
    assert cluster.calls() == [*_deploy_calls(cluster), *UNDO]


def test_auto_rollback_after_failed_smoke_tests(cluster: Cluster) -> None:
    result = deploy(cluster, "production", "v1.4.2", "--auto-rollback", FAKE_SMOKE_EXIT="1")

    assert_exit(result, 1, "the smoke tests failed", "rolled back to the previous revision")
    assert cluster.calls() == [*_deploy_calls(cluster), "smoke production", *UNDO]


def test_rollback_undoes_both_waits_and_smoke_tests(cluster: Cluster) -> None:
    result = rollback(cluster, "staging")

    assert_exit(result, 0, "rolled back staging")
    assert cluster.calls() == [
        "get deployment whatsapp-hotel-bot-api whatsapp-hotel-bot-worker -n hotel-bot -o name",
        *UNDO,
        "smoke staging",
    ]


def test_rollback_stops_at_the_first_failure(cluster: Cluster) -> None:
    result = rollback(cluster, "staging", FAKE_KUBECTL_FAIL="rollout undo deployment/whatsapp-hotel-bot-api")

    assert_exit(result, 1, "kubectl rollout undo failed for whatsapp-hotel-bot-api")
    assert cluster.calls()[-1] == "rollout undo deployment/whatsapp-hotel-bot-api -n hotel-bot"

    smoke_fails = rollback(cluster, "staging", FAKE_SMOKE_EXIT="1")
    assert_exit(smoke_fails, 1, "the smoke tests failed after the rollback")


def test_unreachable_cluster_fails_before_anything_changes(cluster: Cluster) -> None:
    result = deploy(cluster, "staging", "v1.4.2", FAKE_KUBECTL_FAIL="get deployment")

    assert_exit(result, 1, "cannot read deployments")
    assert len(cluster.calls()) == 1


# ---------------------------------------------------------------- mistakes


@pytest.mark.parametrize("script", ["deploy.sh", "rollback.sh"])
def test_missing_kubectl_fails_clearly(script: str, tmp_path: Path) -> None:
    bash = shutil.which("bash")
    assert bash
    args = ["staging", "v1"] if script == "deploy.sh" else ["staging"]
    env = script_env(PATH=str(tmp_path))  # an empty folder: no kubectl, nor anything else
    result = subprocess.run(
        [bash, str(SCRIPTS / script), *args], env=env, capture_output=True, text=True, timeout=30, check=False
    )
    assert_exit(result, 1, "kubectl is not installed or not on PATH")


def test_missing_manifest_fails_before_anything_changes(cluster: Cluster) -> None:
    result = run_script(
        "deploy.sh", "--migrate-manifest", "/nonexistent/job.yaml", "staging", "v1", env=cluster.env()
    )
    assert_exit(result, 1, "/nonexistent/job.yaml does not exist")
    assert cluster.calls() == []


@pytest.mark.parametrize(
    ("script", "args", "message"),
    [
        ("deploy.sh", ["dev", "v1"], "ENV must be staging or production, not 'dev'"),
        ("deploy.sh", ["local", "v1"], "ENV must be staging or production"),
        ("deploy.sh", ["staging"], "expected ENV and TAG"),
        ("deploy.sh", ["staging", "v1;rm -rf /"], "is not a valid image tag"),
        ("deploy.sh", ["staging", "v1", "--timeout", "soon"], "--timeout must be a whole number"),
        ("deploy.sh", ["staging", "v1", "--bogus"], "unknown option --bogus"),
        ("rollback.sh", [], "expected ENV"),
        ("rollback.sh", ["prod"], "ENV must be staging or production, not 'prod'"),
        ("rollback.sh", ["staging", "extra"], "expected ENV"),
    ],
)
def test_usage_errors_exit_2_and_run_nothing(
    cluster: Cluster, script: str, args: list[str], message: str
) -> None:
    result = run_script(script, *args, env=cluster.env())
    assert_exit(result, 2, message)
    assert cluster.calls() == []


@pytest.mark.parametrize("script", ["deploy.sh", "rollback.sh"])
def test_help(script: str) -> None:
    result = run_script(script, "--help")
    assert_exit(result, 0, f"usage: scripts/{script}", "--dry-run", "hotel-bot")
    assert "error:" not in output(result)
