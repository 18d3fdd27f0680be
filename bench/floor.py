"""The floor for ``bench.ingest``: the least any webhook ingest has to do, as a raw ASGI app.

Per POST: parse the JSON, one ``INSERT ... ON CONFLICT DO NOTHING`` of one row into a table of its
own over an asyncpg pool (autocommit, so one durable commit), one Redis ``PUBLISH``, answer 200.
No framework, no ORM, no authentication, no hotel lookup.

    DATABASE_URL=postgresql://... REDIS_URL=redis://... python -m bench.floor --port 8100

It is served by uvicorn with the settings ``python -m cli serve`` uses.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import uvicorn
from redis.asyncio import Redis

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

TABLE = "bench_floor_messages"
POOL_SIZE = 20  # what the web app's SQLAlchemy pool may grow to (10 + 10 overflow)
INSERT = (
    f"INSERT INTO {TABLE} (id_message, chat_id, text) VALUES ($1, $2, $3) ON CONFLICT (id_message) DO NOTHING"
)
ACCEPTED = b'{"status":"accepted"}'
JSON_HEADERS = [(b"content-type", b"application/json")]

_state: dict[str, Any] = {}


async def _startup() -> None:
    dsn = os.environ["DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://", 1)
    pool = await asyncpg.create_pool(dsn, min_size=POOL_SIZE, max_size=POOL_SIZE)
    await pool.execute(
        f"CREATE TABLE IF NOT EXISTS {TABLE} ("
        "id_message text PRIMARY KEY, chat_id text NOT NULL, text text, "
        "created_at timestamptz NOT NULL DEFAULT now())"
    )
    _state["pool"] = pool
    _state["redis"] = Redis.from_url(os.environ["REDIS_URL"])


async def _shutdown() -> None:
    await _state["redis"].aclose()
    await _state["pool"].close()


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                await _startup()
            except Exception as exc:
                await send({"type": "lifespan.startup.failed", "message": str(exc)})
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await _shutdown()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _respond(send: Send, status: int, body: bytes) -> None:
    headers = [*JSON_HEADERS, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    if scope["type"] != "http":
        return
    if scope["method"] != "POST":
        await _respond(send, 200, b'{"status":"ok"}')  # GET anything: the readiness probe
        return
    chunks = []
    more = True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    try:
        data = json.loads(b"".join(chunks))
        sender = data["senderData"]
        text = data["messageData"]["textMessageData"]["textMessage"]
        id_message, chat_id = data["idMessage"], sender["chatId"]
    except (ValueError, KeyError, TypeError):
        await _respond(send, 400, b'{"detail":"malformed"}')
        return
    await _state["pool"].execute(INSERT, id_message, chat_id, text)
    await _state["redis"].publish(f"bench-floor:{chat_id}", id_message)
    await _respond(send, 200, ACCEPTED)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    args = parser.parse_args()
    # The same uvicorn settings as ``python -m cli serve``.
    uvicorn.run(
        "bench.floor:app",
        host=args.host,
        port=args.port,
        workers=1,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        log_level="warning",
        timeout_graceful_shutdown=20,
    )


if __name__ == "__main__":
    main()
