"""A hotel's live events as every web process's hub hears them: read off its Redis channel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from redis.asyncio import Redis

from domain.events import Event, decode
from jobs.enqueue import hotel_channel


@dataclass
class HotelEvents:
    pubsub: Any

    async def drain(self, quiet: float = 0.5) -> list[Event]:
        """The events published since the last drain, read until the channel is quiet for ``quiet``
        seconds (the subscription's own confirmation is skipped, not taken for silence)."""
        events = []
        while (message := await self.pubsub.get_message(timeout=quiet)) is not None:
            if message["type"] == "message":
                events.append(decode(message["data"]))
        return events

    async def aclose(self) -> None:
        await self.pubsub.aclose()


async def hotel_events(redis: Redis, prefix: str, hotel_id: UUID) -> HotelEvents:
    pubsub = redis.pubsub()
    await pubsub.subscribe(hotel_channel(prefix, hotel_id))
    return HotelEvents(pubsub)
