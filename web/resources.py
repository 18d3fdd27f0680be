"""Long-lived resources of a web process, built once in the app's lifespan and never changed after.

Handlers get them (or the one part they need) through Litestar dependencies (``web.deps``).
What changes while the process runs (the caches) lives in its own small object below.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TypeAlias
from uuid import UUID

import asyncpg
from arq.connections import ArqRedis
from jinja2 import Environment
from litestar.params import SkipValidation
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain.assistant.service import AssistantDeps
from domain.conversations.ingest_sql import IngestBatches
from domain.hotels.service import WebhookHotel, hotel_timezone
from domain.integrations.green_api import GreenApiGateway
from domain.settings import Settings
from domain.uow import DriverUnitOfWork, UnitOfWork
from jobs.enqueue import RedisDispatcher
from web.client_address import TrustedProxies
from web.hotel_health import SecretsHealth, WebhookArrivals, WebhookFailures
from web.login_throttle import LoginThrottle
from web.oidc_provider import ProviderClient
from web.sessions import SessionStore, close_live_sockets

HOTEL_CACHE_SECONDS = 10.0
HOTEL_CACHE_LIMIT = 10_000
TIMEZONE_CACHE_SECONDS = 60.0


@dataclass(slots=True)
class WebhookHotels:
    """The hotel of each Green API instance for a few seconds: every guest message looks its hotel
    up, and the answer changes only when an admin edits the hotel (``bench/ingest.py``)."""

    _hits: dict[int, tuple[float, WebhookHotel | None]] = field(default_factory=dict)

    def get(self, id_instance: int) -> tuple[bool, WebhookHotel | None]:
        hit = self._hits.get(id_instance)
        if hit and hit[0] > time.monotonic():
            return True, hit[1]
        return False, None

    def put(self, id_instance: int, hotel: WebhookHotel | None) -> None:
        if len(self._hits) > HOTEL_CACHE_LIMIT:
            self._hits.clear()
        self._hits[id_instance] = (time.monotonic() + HOTEL_CACHE_SECONDS, hotel)


@dataclass(slots=True)
class HotelTimezones:
    """Each hotel's time zone, read at most once a minute per process: every page and push shows
    times in it, and it changes about never (an admin's change shows at once in the process that
    saved it, within a minute in the others)."""

    sessions: async_sessionmaker[AsyncSession]
    _known: dict[UUID, tuple[float, str]] = field(default_factory=dict)

    def forget(self, hotel_id: UUID) -> None:
        self._known.pop(hotel_id, None)

    async def of(self, hotel_id: UUID) -> str:
        known = self._known.get(hotel_id)
        if known is None or known[0] < time.monotonic():
            async with self.sessions() as db:
                zone = await hotel_timezone(db, hotel_id)
            known = (time.monotonic() + TIMEZONE_CACHE_SECONDS, zone)
            self._known[hotel_id] = known
        return known[1]


@dataclass(frozen=True, slots=True)
class LiveSockets:
    """Closes the live sockets of a session or a person (at one hotel, or at all), on every web
    process (``web.live`` listens)."""

    redis: Redis
    prefix: str

    async def close(
        self, session_token: str | None = None, staff_id: UUID | None = None, hotel_id: UUID | None = None
    ) -> None:
        await close_live_sockets(
            self.redis, self.prefix, session_token=session_token, staff_id=staff_id, hotel_id=hotel_id
        )


@dataclass(frozen=True, slots=True)
class Resources:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: ArqRedis
    dispatcher: RedisDispatcher
    # The webhook's hot path and the live pushes talk to PostgreSQL through a plain asyncpg pool.
    driver_pool: asyncpg.Pool
    ingest_batches: IngestBatches  # guest messages arriving together share a statement and commit
    assistant: AssistantDeps
    templates: Environment
    session_store: SessionStore
    login_throttle: LoginThrottle
    live_sockets: LiveSockets
    trusted_proxies: TrustedProxies
    secure_cookies: bool
    hotel_secrets: SecretsHealth
    webhook_failures: WebhookFailures
    webhook_arrivals: WebhookArrivals
    # Green API for the admin's own calls (check connection, apply webhook settings).
    green_api: GreenApiGateway
    oidc_provider: ProviderClient
    webhook_hotels: WebhookHotels
    timezones: HotelTimezones
    migration_head: str | None
    known_revisions: frozenset[str]

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.dispatcher)

    def driver_uow(self) -> DriverUnitOfWork:
        return DriverUnitOfWork(self.driver_pool, self.dispatcher, self.ingest_batches)


# Litestar models every handler's and provider's parameters with msgspec to validate what they are
# given. What the lifespan built needs no validation, and msgspec cannot model all of it (an IPv4 |
# IPv6 network union in ``TrustedProxies``), so handlers declare ``resources: ProvidedResources``.
ProvidedResources: TypeAlias = SkipValidation[Resources]
