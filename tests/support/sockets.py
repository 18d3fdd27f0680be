"""Reading a staff websocket in tests: wait for the push that says something."""

from __future__ import annotations

import asyncio
from typing import Any


async def receive_until(socket: Any, needle: str, timeout: float = 10.0) -> str:
    """The first frame that holds ``needle``; fails the test if none comes within ``timeout``."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise AssertionError(f"{needle!r} never arrived")
        frame = str(await asyncio.wait_for(socket.recv(), remaining))
        if needle in frame:
            return frame
