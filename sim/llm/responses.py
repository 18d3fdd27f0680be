"""Raw ASGI responses: the shapes a framework response cannot take.

A delayed JSON body starts with blank lines (DeepSeek's keep-alives while busy), a delayed
stream with ``: keep-alive`` comments; a "dropped" response closes the connection halfway; every
wait ends early when the client goes away, so a test's timeout never leaves the server waiting.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
AsgiApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]

_JSON = (b"content-type", b"application/json")
_EVENT_STREAM = (b"content-type", b"text/event-stream; charset=utf-8")


async def _until_disconnected(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


async def pause(receive: Receive, seconds: float) -> bool:
    """Wait ``seconds``; False as soon as the client disconnects."""
    if seconds <= 0:
        return True
    watcher = asyncio.ensure_future(_until_disconnected(receive))
    try:
        done, _ = await asyncio.wait({watcher}, timeout=seconds)
        return not done
    finally:
        watcher.cancel()


def encode(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> AsgiApp:
    body = encode(payload)

    async def app(scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        extra = [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()]
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [_JSON, (b"content-length", str(len(body)).encode()), *extra],
            }
        )
        await send({"type": "http.response.body", "body": body})

    return app


def after_pause(seconds: float, then: AsgiApp) -> AsgiApp:
    """``then``, after a silent wait (no byte is sent before it: a slow first byte)."""

    async def app(scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if await pause(receive, seconds):
            await then(scope, receive, send)

    return app


async def _keep_alive(receive: Receive, send: Send, seconds: float, interval: float, line: bytes) -> bool:
    """Send ``line`` now and every ``interval`` until ``seconds`` have passed."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        await send({"type": "http.response.body", "body": line, "more_body": True})
        if not await pause(receive, min(interval, left)):
            return False
    return True


def completion_response(body: bytes, delay: float, keep_alive: float) -> AsgiApp:
    """A 200 JSON body; when delayed, blank lines come first, as DeepSeek sends them."""

    async def app(scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if delay <= 0:
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [_JSON, (b"content-length", str(len(body)).encode())],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await send({"type": "http.response.start", "status": 200, "headers": [_JSON]})
        if await _keep_alive(receive, send, delay, keep_alive, b"\n"):
            await send({"type": "http.response.body", "body": body})

    return app


def event_stream(
    events: list[bytes], delay: float, keep_alive: float, drop_after: int | None = None
) -> AsgiApp:
    """Server-sent events; with ``drop_after`` the connection closes after that many events."""

    async def app(scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [_EVENT_STREAM, (b"cache-control", b"no-cache")],
            }
        )
        if delay > 0 and not await _keep_alive(receive, send, delay, keep_alive, b": keep-alive\n\n"):
            return
        for index, event in enumerate(events):
            if drop_after is not None and index >= drop_after:
                return  # the server gives up on the response: uvicorn closes the connection
            await send({"type": "http.response.body", "body": event, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    return app


def dropped_response(body: bytes) -> AsgiApp:
    """Headers and half a body, then the connection closes."""

    async def app(scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [_JSON, (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})

    return app
