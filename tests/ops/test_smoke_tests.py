"""scripts/smoke-tests.sh against the real app on a loopback port, and against nothing."""

from __future__ import annotations

import re
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from domain.settings import Settings
from tests.ops import assert_exit, output, run_script, script_env
from tests.support.servers import free_port, serve_app
from web.app import create_app

CHECKS = [
    "GET /health",
    "GET /health/ready",
    "GET /metrics",
    "GET /login",
    "POST /webhooks/green-api with a wrong token",
]


@dataclass
class SmokeRun:
    base_url: str
    result: subprocess.CompletedProcess[str]
    verdicts: dict[str, str]  # check -> "PASS" | "FAIL"


def _verdicts(stdout: str) -> dict[str, str]:
    found = {}
    for line in stdout.splitlines():
        match = re.match(r"(PASS|FAIL)  (.+?)(?::|$)", line)
        if match:
            found[match.group(2)] = match.group(1)
    return found


@pytest.fixture(scope="module")
def app_url(database_url: str, redis_url: str) -> Iterator[str]:
    settings = Settings(
        database_url=database_url,
        redis_url=redis_url,
        redis_prefix=f"test-{uuid.uuid4().hex[:8]}:",
        secret_key="test-secret-key",
        deepseek_api_key="sk-test",
    )
    with serve_app(create_app(settings)) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def smoke(app_url: str) -> SmokeRun:
    result = run_script("smoke-tests.sh", "local", app_url, env=script_env(SMOKE_TIMEOUT="10"))
    return SmokeRun(app_url, result, _verdicts(result.stdout))


@pytest.mark.parametrize("check", CHECKS)
def test_each_check_passes_against_the_running_app(smoke: SmokeRun, check: str) -> None:
    assert smoke.verdicts.get(check) == "PASS", output(smoke.result)


def test_the_script_passes_against_the_running_app(smoke: SmokeRun) -> None:
    assert_exit(smoke.result, 0, f"smoke tests: local at {smoke.base_url}", "5 passed, 0 failed")


def test_staging_base_url_comes_from_its_variable(app_url: str) -> None:
    result = run_script("smoke-tests.sh", "staging", env=script_env(SMOKE_BASE_URL_STAGING=app_url + "/"))
    assert f"smoke tests: staging at {app_url}\n" in result.stdout
    assert _verdicts(result.stdout)["GET /health"] == "PASS"


def test_fails_when_nothing_listens() -> None:
    port = free_port()
    result = run_script(
        "smoke-tests.sh", "local", f"http://127.0.0.1:{port}", env=script_env(SMOKE_TIMEOUT="3")
    )

    assert_exit(result, 1, "0 passed, 5 failed", "no answer")
    assert _verdicts(result.stdout) == dict.fromkeys(CHECKS, "FAIL")


def test_usage() -> None:
    assert_exit(run_script("smoke-tests.sh"), 2, "usage: scripts/smoke-tests.sh ENV [BASE_URL]")
    assert_exit(run_script("smoke-tests.sh", "qa"), 2, "ENV must be local, staging or production")
    assert_exit(run_script("smoke-tests.sh", "local", "127.0.0.1:8000"), 2, "must start with http://")
    assert_exit(run_script("smoke-tests.sh", "--help"), 0, "SMOKE_BASE_URL_PRODUCTION", "/webhooks/green-api")


@pytest.fixture(scope="module")
def guarded_url(database_url: str, redis_url: str) -> Iterator[str]:
    settings = Settings(
        database_url=database_url,
        redis_url=redis_url,
        redis_prefix=f"test-{uuid.uuid4().hex[:8]}:",
        secret_key="test-secret-key",
        metrics_token="scrape-me",
    )
    with serve_app(create_app(settings)) as base_url:
        yield base_url


@pytest.mark.parametrize(
    ("token", "verdict"),
    [("scrape-me", "PASS"), (None, "PASS"), ("wrong", "FAIL")],
    ids=["token", "none", "wrong"],
)
def test_metrics_behind_a_token(guarded_url: str, token: str | None, verdict: str) -> None:
    extra = {"METRICS_TOKEN": token} if token else {}
    result = run_script("smoke-tests.sh", "local", guarded_url, env=script_env(SMOKE_TIMEOUT="10", **extra))
    assert _verdicts(result.stdout)["GET /metrics"] == verdict, output(result)
