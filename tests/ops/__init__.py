"""The operator scripts in ``scripts/`` as an operator runs them: real subprocesses, real PostgreSQL.

Helpers shared by the ``tests/ops`` modules live here (the folder has no conftest of its own).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"

# Variables the scripts read: never inherited from the machine running the tests.
_SCRIPT_VARIABLES = ("DATABASE_URL", "BACKUP_DIR", "PG_BINDIR", "REGISTRY", "ROLLOUT_TIMEOUT", "SMOKE_TESTS")


def plain(url: str) -> str:
    """The documented DATABASE_URL form (postgresql://...)."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def script_env(database_url: str | None = None, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in _SCRIPT_VARIABLES and not k.startswith(("KUBE_CONTEXT_", "SMOKE_", "FAKE_"))
    }
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if database_url:
        env["DATABASE_URL"] = plain(database_url)
    env.update(extra)
    return env


def run_script(
    name: str,
    *args: str | Path,
    database_url: str | None = None,
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``python scripts/NAME ...`` or ``bash scripts/NAME ...``, output captured."""
    program = [sys.executable] if name.endswith(".py") else ["bash"]
    return subprocess.run(
        [*program, str(SCRIPTS / name), *map(str, args)],
        cwd=cwd,
        env=env if env is not None else script_env(database_url),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def output(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def assert_exit(result: subprocess.CompletedProcess[str], code: int, *texts: str) -> None:
    """Exit code ``code``, no traceback, every text somewhere in the output."""
    everything = output(result)
    assert result.returncode == code, f"exit {result.returncode}, wanted {code}:\n{everything}"
    assert "Traceback" not in everything, everything
    for text in texts:
        assert text in everything, f"{text!r} not in:\n{everything}"


def execute(url: str, *statements: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(plain(url))
        try:
            for sql in statements:
                await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


def fetch(url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    async def run() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(plain(url))
        try:
            return list(await conn.fetch(sql, *args))
        finally:
            await conn.close()

    return asyncio.run(run())


def database_names(server_url: str, like: str) -> list[str]:
    return [
        r["datname"] for r in fetch(server_url, "SELECT datname FROM pg_database WHERE datname LIKE $1", like)
    ]


def url_for(server_url: str, name: str) -> str:
    return server_url.rsplit("/", 1)[0] + "/" + name


@contextlib.contextmanager
def scratch_database(server_url: str, prefix: str) -> Iterator[str]:
    """A database of the test's own on the test server, dropped afterwards."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    execute(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield url_for(server_url, name)
    finally:
        drop_database(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
