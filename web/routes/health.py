"""Liveness and readiness."""

from __future__ import annotations

import asyncio

from litestar import Controller, Response, get

from domain.db import schema_version
from web.live import LiveHub
from web.resources import ProvidedResources, Resources


async def _check_database(resources: Resources) -> str | None:
    try:
        version = await schema_version(resources.engine)
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


class HealthController(Controller):
    path = "/health"
    tags = ["health"]

    @get(sync_to_thread=False)
    def health(self) -> dict[str, str]:
        return {"status": "ok"}

    @get("/ready")
    async def ready(self, resources: ProvidedResources, hub: LiveHub) -> Response[dict[str, object]]:
        checks = await asyncio.gather(_check_database(resources), _check_redis(resources))
        failures = [failure for failure in checks if failure]
        if not hub.alive:
            failures.append("live events: not subscribed to Redis")
        if not failures:
            await resources.hotel_secrets.check()
            if resources.hotel_secrets.problem:
                failures.append(resources.hotel_secrets.problem)
        if failures:
            return Response({"status": "unavailable", "failed": failures}, status_code=503)
        return Response({"status": "ready"}, status_code=200)
