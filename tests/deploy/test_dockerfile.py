"""The Dockerfile, read as Docker would (no engine needed): a multi-stage build whose runtime stage
holds only the venv and the app's files, runs as a non-root user and copies nothing that is missing."""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import tomllib
from dataclasses import dataclass, field

import pytest

from tests.deploy import IMAGE_NAME, ROOT, all_objects, pod_spec, workloads

DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"


@dataclass
class Stage:
    image: str
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]


def _instructions(text: str) -> list[tuple[str, str]]:
    """``(KEYWORD, arguments)`` per instruction: comments dropped, continuation lines joined."""
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    result = []
    for line in logical:
        keyword, _, args = line.partition(" ")
        result.append((keyword.upper(), args.strip()))
    return result


def _stages() -> tuple[dict[str, str], list[Stage]]:
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for keyword, value in _instructions(DOCKERFILE.read_text()):
        if keyword == "ARG" and not stages:
            name, _, default = value.partition("=")
            args[name] = default
        elif keyword == "FROM":
            words = value.split()
            image = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], words[0])
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else str(len(stages))
            stages.append(Stage(image, name))
        else:
            assert stages, f"{keyword} before the first FROM"
            stages[-1].instructions.append((keyword, value))
    return args, stages


def _copy_sources(args: str) -> tuple[list[str], dict[str, str]]:
    words = shlex.split(args)
    flags = {w[2:].split("=", 1)[0]: w.split("=", 1)[1] for w in words if w.startswith("--")}
    paths = [w for w in words if not w.startswith("--")]
    return paths[:-1], flags


def _ignored(path: str) -> bool:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    parts = path.strip("/").split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(
        fnmatch.fnmatch(prefix, pattern.lstrip("/")) or fnmatch.fnmatch(prefix, pattern.replace("**/", ""))
        for pattern in patterns
        if not pattern.startswith("!")
        for prefix in prefixes
    )


ARGS, STAGES = _stages()
FINAL = STAGES[-1]


def test_is_multi_stage_with_a_slim_python_311_runtime() -> None:
    assert len(STAGES) >= 2
    assert FINAL.image == "python:3.11-slim"
    builder = STAGES[0]
    run = " ".join(builder.all("RUN"))
    assert "pip install" in run
    assert "uv" in run
    assert "uv sync --frozen --no-dev" in run
    assert any("--from=" + builder.name in copy for copy in FINAL.all("COPY"))


def test_runtime_stage_has_no_build_tools() -> None:
    text = " ".join(args for _, args in FINAL.instructions).lower()
    for tool in (
        "gcc",
        "g++",
        "build-essential",
        "make ",
        "clang",
        "apt-get install",
        "pip install",
        "uv sync",
    ):
        assert tool not in text, f"{tool!r} in the runtime stage"
    copies_from_builder = [args for args in FINAL.all("COPY") if "--from=" in args]
    assert all(_copy_sources(args)[0] == ["/app/.venv"] for args in copies_from_builder), (
        "only the venv comes from the builder"
    )


def test_runs_as_a_non_root_user_with_uid_10001() -> None:
    [user] = FINAL.all("USER")
    uid = user.split(":")[0]
    assert uid not in ("root", "0")
    assert uid == "10001"
    assert any("10001" in run for run in FINAL.all("RUN")), "the user exists in /etc/passwd"
    # the USER comes after every RUN of the stage (nothing later runs as root by accident)
    keywords = [kw for kw, _ in FINAL.instructions]
    assert keywords.index("USER") > max(i for i, kw in enumerate(keywords) if kw == "RUN")


def test_environment_ports_healthcheck_and_command() -> None:
    env = " ".join(FINAL.all("ENV"))
    assert "PYTHONDONTWRITEBYTECODE=1" in env
    assert "/app/.venv/bin:${PATH}" in env
    [expose] = FINAL.all("EXPOSE")
    assert expose.split() == ["8000", "9100"]
    [healthcheck] = FINAL.all("HEALTHCHECK")
    assert "urllib" in healthcheck
    assert "http://127.0.0.1:8000/health" in healthcheck
    command = json.loads(healthcheck.split("CMD", 1)[1])
    assert command[:2] == ["python", "-c"]
    compile(command[2], "<healthcheck>", "exec")
    [cmd] = FINAL.all("CMD")
    assert json.loads(cmd) == ["hotelbot", "serve", "--host", "0.0.0.0", "--port", "8000"]


def test_image_name_is_documented() -> None:
    head = DOCKERFILE.read_text().split("FROM", 1)[0]
    assert f"Image: {IMAGE_NAME}" in head


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: s.name)
def test_every_copied_path_exists_and_reaches_the_build_context(stage: Stage) -> None:
    stage_names = {s.name for s in STAGES}
    for args in stage.all("COPY"):
        sources, flags = _copy_sources(args)
        if "from" in flags:
            assert flags["from"] in stage_names
            continue
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
            assert not _ignored(source), f"COPY {source}: excluded by .dockerignore"


def test_runtime_has_every_file_the_app_and_the_jobs_need() -> None:
    """The editable install points at /app: everything the wheel would hold must be there, plus
    alembic.ini (migrations), scripts/ (backup CronJob) and what k8s runs."""
    copied = {source.rstrip("/") for args in FINAL.all("COPY") for source in _copy_sources(args)[0]}
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wheel = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["only-include"]
    assert set(wheel) <= copied
    assert {"alembic.ini", "scripts", "pyproject.toml", "README.md"} <= copied
    for workload in workloads():
        for container in pod_spec(workload)["containers"]:
            if container["image"].startswith(IMAGE_NAME) and container["command"][0] == "/bin/sh":
                for script in re.findall(r"python (scripts/\S+\.py)", container["command"][-1]):
                    assert script.split("/")[0] in copied


def test_dockerignore_keeps_venvs_caches_and_data_out() -> None:
    for path in (".venv", ".git", "__pycache__", "web/__pycache__", ".pytest_cache", ".mypy_cache",
                 ".ruff_cache", "backups", "test-artifacts", ".hotelbot", "tests"):  # fmt: skip
        assert _ignored(path), path
    for path in ("domain", "web", "jobs", "scripts", "migrations", "pyproject.toml", "uv.lock"):
        assert not _ignored(path), path


def test_kubernetes_runs_the_image_as_its_user() -> None:
    """The pods' runAsUser matches the image's USER, so files the image owns stay readable."""
    [user] = FINAL.all("USER")
    uid = int(user.split(":")[0])
    for _, doc in all_objects():
        if doc["kind"] in ("Deployment", "Job", "CronJob") and doc["metadata"]["name"].startswith(IMAGE_NAME):
            assert pod_spec(doc)["securityContext"]["runAsUser"] == uid
