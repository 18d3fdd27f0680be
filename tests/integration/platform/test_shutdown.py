"""SIGTERM: a worker in the middle of an AI turn finishes it before exiting; a web process with
open websockets closes them cleanly and exits."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import websockets

from domain.conversations.models import Author
from domain.staff.models import Role
from tests.integration.live.test_live import cookie_header, signed_in, ws_url
from tests.support.servers import free_port
from tests.support.stack import eventually, running_stack
from tests.support.web import make_staff

ROOT = Path(__file__).resolve().parents[3]


def _env(settings: Any) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "REDIS_PREFIX": settings.redis_prefix,
        "GREEN_API_URL": settings.green_api_url,
        "DEEPSEEK_API_URL": settings.deepseek_api_url,
        "DEEPSEEK_API_KEY": "sk-test",
        "AI_DEBOUNCE_SECONDS": "0",
        "WORKER_POLL_DELAY": "0.05",
        "WORKER_METRICS_PORT": "0",
    }


async def test_sigterm_lets_the_running_ai_turn_finish(settings: Any, sessions: Any) -> None:
    async with running_stack(settings, sessions, start_workers=False) as stack:
        await stack.http.post(f"{stack.llm_url}/sim/latency", json={"ms": 3000})
        worker = subprocess.Popen([sys.executable, "-m", "cli", "worker"], cwd=ROOT, env=_env(stack.settings))
        try:
            await stack.guest_writes("When is breakfast?")
            await eventually(stack.llm_requests, timeout=15)  # the AI turn is now running
            worker.send_signal(signal.SIGTERM)
            exit_code = await asyncio.to_thread(worker.wait, 30)
        finally:
            if worker.poll() is None:
                worker.kill()
        assert exit_code == 0
        ai = [m for m in await stack.messages() if m.author is Author.AI]
        assert len(ai) == 1, "the turn that was running when SIGTERM came was finished, not lost"


async def test_sigterm_closes_websockets_and_the_web_process_exits(settings: Any, sessions: Any) -> None:
    async with running_stack(settings, sessions, start_workers=False) as stack:
        await make_staff(sessions, stack.hotel.id, "anna@aurora.example", Role.AGENT, "Anna")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**_env(stack.settings), "PUBLIC_BASE_URL": base}
        web = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
        )
        try:
            for _ in range(300):
                try:
                    if (await stack.http.get(f"{base}/health")).status_code == 200:
                        break
                except Exception:
                    pass
                await asyncio.sleep(0.1)
            anna = await signed_in(base, "anna@aurora.example")
            async with websockets.connect(
                ws_url(base), additional_headers={"Cookie": cookie_header(anna), "Origin": base}
            ) as socket:
                await socket.recv()
                web.send_signal(signal.SIGTERM)
                with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
                    while True:
                        await asyncio.wait_for(socket.recv(), 15)
            assert closed.value.rcvd is not None, "the server closed the socket with a close frame"
            assert closed.value.rcvd.code in (1001, 1012)
            await anna.aclose()
            exit_code = await asyncio.to_thread(web.wait, 30)
            # uvicorn shuts down gracefully, then re-raises the signal it caught, so the exit
            # status says "ended by SIGTERM" rather than 0.
            assert exit_code in (0, -signal.SIGTERM)
        finally:
            if web.poll() is None:
                web.kill()
