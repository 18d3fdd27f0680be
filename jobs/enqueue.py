"""The dispatcher: live events to Redis pub/sub, jobs to arq queues, after commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from uuid import UUID

from arq.connections import ArqRedis

from domain import events as live_events
from domain.events import Event
from domain.ports import JobRequest
from observability.metrics import count_event


def hotel_channel(prefix: str, hotel_id: UUID | str) -> str:
    return f"{prefix}hotel:{hotel_id}"


def queue_name(prefix: str, queue: str) -> str:
    return f"{prefix}{queue}"


class RedisDispatcher:
    def __init__(self, redis: ArqRedis, prefix: str = ""):
        self.redis = redis
        self.prefix = prefix

    async def publish(self, events: Sequence[Event]) -> None:
        for event in events:
            count_event(event)
        if len(events) == 1:  # the common case (a guest message): one command, no pipeline
            event = events[0]
            await self.redis.publish(hotel_channel(self.prefix, event.hotel_id), live_events.encode(event))
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for event in events:
                pipe.publish(hotel_channel(self.prefix, event.hotel_id), live_events.encode(event))
            await pipe.execute()

    async def enqueue(self, jobs: Sequence[JobRequest]) -> None:
        for job in jobs:
            await self.redis.enqueue_job(
                job.function,
                *job.args,
                _job_id=job.job_id,
                _queue_name=queue_name(self.prefix, job.queue),
                _defer_by=timedelta(seconds=job.defer_seconds) if job.defer_seconds > 0 else None,
            )
