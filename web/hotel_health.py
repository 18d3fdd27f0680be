"""What keeps a hotel from hearing its guests, made visible: stored secrets that SECRET_KEY cannot
decrypt (readiness and the start-up log), and webhooks refused for a hotel (its admins' dashboard).
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import time
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.hotels.secrets import hotels_with_unreadable_secrets

log = logging.getLogger(__name__)

SECRETS_RECHECK_SECONDS = 30.0
FAILURE_WINDOW_SECONDS = 3600
MAX_FAILURES_KEPT = 1000

# Why a webhook for a known hotel was refused, as an admin reads it.
FAILURE_REASONS = {
    "secrets_unreadable": (
        "its stored secrets cannot be decrypted with SECRET_KEY: Green API gets 503 and retries, "
        "so nothing is lost yet; give every process the key the secrets were written with "
        "(or list it in SECRET_KEY_FALLBACKS)"
    ),
    "wrong_token": (
        "the token Green API sends does not match this hotel's webhook token: "
        "set the webhook token in the Green API console again"
    ),
}


class SecretsHealth:
    """Which hotels' secrets cannot be read, checked at start-up and again at most every 30 s."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]):
        self._sessions = sessions
        self._lock = asyncio.Lock()
        self.unreadable: list[str] = []
        self._checked_at = float("-inf")

    async def check(self, *, force: bool = False) -> list[str]:
        """Read the hotels' secrets again: every time while some fail (so a fixed key shows at once),
        at most every 30 s while all decrypt."""
        async with self._lock:
            stale = time.monotonic() - self._checked_at > SECRETS_RECHECK_SECONDS
            if force or stale or self.unreadable:
                async with self._sessions() as session:
                    self.unreadable = await hotels_with_unreadable_secrets(session)
                self._checked_at = time.monotonic()
        return self.unreadable

    def mark_unreadable(self, slug: str) -> None:
        if slug not in self.unreadable:
            self.unreadable = [*self.unreadable, slug]

    @property
    def problem(self) -> str | None:
        if not self.unreadable:
            return None
        count = len(self.unreadable)
        return (
            f"hotel secrets cannot be decrypted with SECRET_KEY "
            f"({count} hotel{'s' if count > 1 else ''}; the start-up log names them)"
        )


class WebhookFailures:
    """Webhooks refused per hotel over the last hour (a Redis sorted set scored by time)."""

    def __init__(self, redis: Redis, prefix: str):
        self._redis = redis
        self._prefix = prefix

    def _key(self, hotel_id: UUID) -> str:
        return f"{self._prefix}webhook-failures:{hotel_id}"

    async def record(self, hotel_id: UUID, reason: str) -> None:
        now = time.time()
        key = self._key(hotel_id)
        try:
            pipe: Any = self._redis.pipeline(transaction=False)
            pipe.zadd(key, {f"{now:.6f}:{reason}": now})
            pipe.zremrangebyscore(key, 0, now - FAILURE_WINDOW_SECONDS)
            pipe.zremrangebyrank(key, 0, -MAX_FAILURES_KEPT - 1)
            pipe.expire(key, FAILURE_WINDOW_SECONDS)
            await pipe.execute()
        except Exception as exc:  # the answer to Green API matters more than this record
            log.warning("could not record a webhook failure (%s)", exc.__class__.__name__)

    async def recent(self, hotel_id: UUID, zone: ZoneInfo) -> list[dict[str, Any]]:
        """Each reason seen in the last hour, as the admin's pages show it: how often, what it
        means, and when last (on the hotel's clock), most recent first."""
        since = time.time() - FAILURE_WINDOW_SECONDS
        entries = await self._redis.zrangebyscore(self._key(hotel_id), since, "+inf", withscores=True)
        counts: dict[str, int] = {}
        last: dict[str, float] = {}
        for member, score in entries:
            reason = (member.decode() if isinstance(member, bytes) else str(member)).split(":", 1)[1]
            counts[reason] = counts.get(reason, 0) + 1
            last[reason] = max(last.get(reason, 0.0), float(score))
        return [
            {
                "count": counts[reason],
                "explanation": FAILURE_REASONS.get(reason, reason),
                "last_at": datetime.datetime.fromtimestamp(last[reason], zone),
            }
            for reason in sorted(counts, key=lambda reason: last[reason], reverse=True)
        ]


ARRIVAL_BUCKET_SECONDS = 60
ARRIVAL_BUCKETS = FAILURE_WINDOW_SECONDS // ARRIVAL_BUCKET_SECONDS


ARRIVALS_FLUSH_SECONDS = 1.0


class WebhookArrivals:
    """Webhooks accepted per hotel: a counter per minute (kept an hour) and the time of the last.

    Every webhook passes here, and the answer to Green API must not wait for a count: ``record``
    only adds to this process's tally, which goes to Redis in one pipelined round trip for every
    hotel at most once a second (INCRBY, EXPIRE, SET). A count still in the tally when a process
    is killed is lost; the admin's page reads the hour back with one MGET."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix
        self._counts: dict[tuple[UUID, int], int] = {}
        self._last: dict[UUID, float] = {}
        self._scheduled = False
        self._tasks: set[asyncio.Task[None]] = set()  # held: the loop keeps only weak references

    def _count_key(self, hotel_id: UUID, minute: int) -> str:
        return f"{self.prefix}webhooks-in:{hotel_id}:{minute}"

    def _last_key(self, hotel_id: UUID) -> str:
        return f"{self.prefix}webhooks-in-last:{hotel_id}"

    def record(self, hotel_id: UUID) -> None:
        now = time.time()
        bucket = (hotel_id, int(now // ARRIVAL_BUCKET_SECONDS))
        self._counts[bucket] = self._counts.get(bucket, 0) + 1
        self._last[hotel_id] = now
        if not self._scheduled:
            self._scheduled = True
            task = asyncio.get_running_loop().create_task(self._flush_soon())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _flush_soon(self) -> None:
        await asyncio.sleep(ARRIVALS_FLUSH_SECONDS)
        self._scheduled = False  # what arrives from now on is sent by the next flush
        await self.flush()

    async def close(self) -> None:
        """On shutdown: no more timers, and what the tally holds goes to Redis."""
        for task in list(self._tasks):
            task.cancel()
        await self.flush()

    async def flush(self) -> None:
        """Send the tally to Redis now (before this process reads the counts back, and on close)."""
        counts, last = self._counts, self._last
        if not counts:
            return
        self._counts, self._last = {}, {}
        try:
            pipe: Any = self.redis.pipeline(transaction=False)
            for (hotel_id, minute), count in counts.items():
                key = self._count_key(hotel_id, minute)
                pipe.incrby(key, count)
                pipe.expire(key, FAILURE_WINDOW_SECONDS + ARRIVAL_BUCKET_SECONDS)
            for hotel_id, at in last.items():
                pipe.set(self._last_key(hotel_id), f"{at:.3f}", ex=30 * 24 * 3600)
            await pipe.execute()
        except Exception as exc:  # a health figure: never worth failing anything for
            log.warning("could not count %d webhooks (%s)", sum(counts.values()), exc.__class__.__name__)

    async def recent(self, hotel_id: UUID) -> tuple[int, float | None]:
        """How many arrived in the last hour (by whole minutes), and when the last one did."""
        await self.flush()
        minute = int(time.time() // ARRIVAL_BUCKET_SECONDS)
        keys = [self._count_key(hotel_id, minute - back) for back in range(ARRIVAL_BUCKETS)]
        *counts, last = await self.redis.mget([*keys, self._last_key(hotel_id)])
        total = sum(int(count) for count in counts if count is not None)
        return total, float(last) if last is not None else None
