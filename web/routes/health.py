"""Liveness and readiness."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Request, Response, get
from sqlalchemy import text

from web.deps import Resources


@get("/health", sync_to_thread=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


async def _check_database(resources: Resources) -> str | None:
    try:
        async with resources.engine.connect() as conn:
            version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    except Exception as exc:
        return f"postgresql: {exc.__class__.__name__}"
    head = resources.migration_head
    if head and version != head and version in resources.known_revisions:
        # Behind the code. A revision we do not know is a newer release's migration (during a
        # rolling deploy the migration Job runs first): migrations only add, so this pod still works.
        return f"migrations: at {version}, head is {head}"
    return None


async def _check_redis(resources: Resources) -> str | None:
    try:
        await asyncio.wait_for(resources.redis.ping(), timeout=2)
    except Exception as exc:
        return f"redis: {exc.__class__.__name__}"
    return None


@get("/health/ready")
async def ready(request: Request[Any, Any, Any]) -> Response[dict[str, object]]:
    resources: Resources = request.app.state.resources
    failures = [f for f in await asyncio.gather(_check_database(resources), _check_redis(resources)) if f]
    if resources.hub is not None and not resources.hub.alive:
        failures.append("live events: not subscribed to Redis")
    if not failures:
        await resources.hotel_secrets.check()
        if resources.hotel_secrets.problem:
            failures.append(resources.hotel_secrets.problem)
    if failures:
        return Response({"status": "unavailable", "failed": failures}, status_code=503)
    return Response({"status": "ready"}, status_code=200)
