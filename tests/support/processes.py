"""The web process as production runs it (``hotelbot serve`` in a subprocess), for tests that read
its real log."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from domain.settings import Settings
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


@contextlib.asynccontextmanager
async def serve_process(settings: Settings, log_file: Path, **env: str) -> AsyncIterator[str]:
    """``hotelbot serve`` on this test's database and Redis, JSON logs into ``log_file``; yields its
    base URL once ``/health`` answers, and stops it (SIGTERM) afterwards."""
    port = free_port()
    environ = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "REDIS_PREFIX": settings.redis_prefix,
        "LOG_FORMAT": "json",
        **env,
    }
    base = f"http://127.0.0.1:{port}"
    with log_file.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=environ,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        try:
            async with httpx.AsyncClient() as http:
                for _ in range(300):
                    with contextlib.suppress(httpx.HTTPError):
                        if (await http.get(f"{base}/health")).status_code == 200:
                            break
                    if process.poll() is not None:
                        raise RuntimeError(f"serve exited: {log_file.read_text()[-2000:]}")
                    await asyncio.sleep(0.05)
            yield base
            await asyncio.sleep(0.3)  # the last lines reach the file
        finally:
            process.terminate()
            process.wait(timeout=20)


def json_records(log_file: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log_file.read_text().splitlines() if line.startswith("{")]
