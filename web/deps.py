"""Long-lived resources of a web process, built once in the app's lifespan."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import UUID

import asyncpg
from arq.connections import ArqRedis
from jinja2 import Environment
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain.assistant.service import AssistantDeps
from domain.hotels.models import Hotel
from domain.hotels.service import WebhookHotel
from domain.settings import Settings
from domain.uow import DriverUnitOfWork, UnitOfWork
from jobs.enqueue import RedisDispatcher
from web.client_address import TrustedProxies
from web.hotel_health import SecretsHealth, WebhookFailures
from web.login_throttle import LoginThrottle
from web.sessions import SessionStore, close_live_sockets

if TYPE_CHECKING:
    from web.live import LiveHub

HOTEL_CACHE_SECONDS = 10.0


@dataclass
class Resources:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: ArqRedis
    dispatcher: RedisDispatcher
    migration_head: str | None
    session_store: SessionStore
    login_throttle: LoginThrottle
    secure_cookies: bool
    templates: Environment
    hotel_secrets: SecretsHealth
    webhook_failures: WebhookFailures
    known_revisions: frozenset[str] = frozenset()
    trusted_proxies: TrustedProxies = field(default_factory=TrustedProxies)
    driver_pool: asyncpg.Pool | None = None
    hub: LiveHub | Any = None
    assistant: AssistantDeps | None = None
    hotel_cache: dict[int, tuple[float, WebhookHotel | None]] = field(default_factory=dict)
    timezones: dict[UUID, str] = field(default_factory=dict)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.dispatcher)

    def driver_uow(self) -> DriverUnitOfWork:
        assert self.driver_pool is not None
        return DriverUnitOfWork(self.driver_pool, self.dispatcher)

    def cached_hotel(self, id_instance: int) -> tuple[bool, WebhookHotel | None]:
        hit = self.hotel_cache.get(id_instance)
        if hit and hit[0] > time.monotonic():
            return True, hit[1]
        return False, None

    def cache_hotel(self, id_instance: int, hotel: WebhookHotel | None) -> None:
        if len(self.hotel_cache) > 10_000:
            self.hotel_cache.clear()
        self.hotel_cache[id_instance] = (time.monotonic() + HOTEL_CACHE_SECONDS, hotel)

    async def hotel_timezone(self, hotel_id: UUID) -> str:
        if hotel_id not in self.timezones:
            async with self.sessions() as db:
                tz = (
                    await db.execute(select(Hotel.timezone).where(Hotel.id == hotel_id))
                ).scalar_one_or_none()
            self.timezones[hotel_id] = tz or "UTC"
        return self.timezones[hotel_id]

    async def live_kick(
        self, session_token: str | None = None, staff_id: UUID | None = None, hotel_id: UUID | None = None
    ) -> None:
        """Close the live sockets of a session or a person (at one hotel, or at all), on every web
        process."""
        await close_live_sockets(
            self.redis,
            self.settings.redis_prefix,
            session_token=session_token,
            staff_id=staff_id,
            hotel_id=hotel_id,
        )
