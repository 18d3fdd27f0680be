"""Long-lived resources of a web process, built once in the app's lifespan."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain.hotels.service import WebhookHotel
from domain.settings import Settings
from domain.uow import UnitOfWork
from jobs.enqueue import RedisDispatcher

HOTEL_CACHE_SECONDS = 10.0


@dataclass
class Resources:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: ArqRedis
    dispatcher: RedisDispatcher
    migration_head: str | None
    hotel_cache: dict[int, tuple[float, WebhookHotel | None]] = field(default_factory=dict)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.dispatcher)

    def cached_hotel(self, id_instance: int) -> tuple[bool, WebhookHotel | None]:
        hit = self.hotel_cache.get(id_instance)
        if hit and hit[0] > time.monotonic():
            return True, hit[1]
        return False, None

    def cache_hotel(self, id_instance: int, hotel: WebhookHotel | None) -> None:
        if len(self.hotel_cache) > 10_000:
            self.hotel_cache.clear()
        self.hotel_cache[id_instance] = (time.monotonic() + HOTEL_CACHE_SECONDS, hotel)
