"""Counting webhooks for the admin's "are webhooks arriving?" never holds up the answer to Green
API: each web process keeps a tally and sends it to Redis at most once a second, so another process
(the one that serves the admin's page) sees the count a moment later."""

from __future__ import annotations

from uuid import uuid4

from redis.asyncio import Redis

from domain.settings import Settings
from tests.support.stack import eventually
from web.hotel_health import WebhookArrivals


async def test_a_tally_reaches_the_other_web_processes_within_a_second_or_two(settings: Settings) -> None:
    redis = Redis.from_url(settings.redis_url)
    prefix = f"{settings.redis_prefix}arrivals-{uuid4().hex[:6]}:"
    hotel, other = uuid4(), uuid4()
    webhook_process, admin_process = WebhookArrivals(redis, prefix), WebhookArrivals(redis, prefix)
    try:
        for _ in range(3):
            webhook_process.record(hotel)
        webhook_process.record(other)
        assert await admin_process.recent(hotel) == (0, None), "nothing is sent while the webhook is answered"

        async def seen() -> bool:
            count, last = await admin_process.recent(hotel)
            return count == 3 and last is not None

        await eventually(seen, timeout=5)
        assert (await admin_process.recent(other))[0] == 1
        webhook_process.record(hotel)
        await webhook_process.close()  # a process shutting down sends what it holds
        assert (await admin_process.recent(hotel))[0] == 4
    finally:
        await webhook_process.close()
        await redis.aclose()
