"""Real PostgreSQL and Redis for every test: given by TEST_DATABASE_URL / TEST_REDIS_URL,
or started by the harness on free ports. Each run migrates its own database; each test
gets its own Redis key prefix and starts from empty tables."""

from __future__ import annotations

import asyncio
import os
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text

import embedded
from domain.db import create_engine, session_factory
from domain.models import metadata
from domain.settings import Settings, get_settings
from tests.support.migrate import upgrade_head

# The test run's own SECRET_KEY, for this process and every process a test starts (serve and worker
# refuse to run without one). Tests of the demo remove it: they run the product as a user does.
os.environ.setdefault("SECRET_KEY", f"test-run-{secrets.token_urlsafe(24)}")


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    given = os.environ.get("TEST_DATABASE_URL")
    if given:
        yield Settings(database_url=given).sqlalchemy_url
        return
    server = embedded.EmbeddedPostgres().start()
    try:
        yield server.url
    finally:
        server.cleanup()


@pytest.fixture(scope="session")
def database_url(postgres_server_url: str) -> Iterator[str]:
    name = f"hotelbot_test_{secrets.token_hex(4)}"
    admin_dsn = postgres_server_url.replace("postgresql+asyncpg://", "postgresql://")

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(admin_dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    url = postgres_server_url.rsplit("/", 1)[0] + "/" + name
    upgrade_head(url)
    try:
        yield url
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    given = os.environ.get("TEST_REDIS_URL")
    if given:
        yield given
        return
    server = embedded.EmbeddedRedis().start()
    try:
        yield server.url
    finally:
        server.cleanup()


@pytest.fixture
def settings(database_url: str, redis_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        redis_url=redis_url,
        redis_prefix=f"test-{uuid.uuid4().hex[:8]}:",
        secret_key="test-secret-key",
        ai_debounce_seconds=0.2,
        sweep_interval_seconds=1,
        retry_base_seconds=0.05,
        worker_poll_delay=0.02,
        deepseek_api_key="sk-test",
        deepseek_model="deepseek-flash",
    )


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[object]:
    engine = create_engine(database_url, pool_size=5)
    try:
        yield session_factory(engine)
    finally:
        async with engine.begin() as conn:
            tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {tables} CASCADE"))
        await engine.dispose()


@pytest.fixture
def keys() -> Iterator[Any]:
    """Set SECRET_KEY / SECRET_KEY_FALLBACKS for this process (what encrypts and decrypts stored
    secrets), restored afterwards."""
    saved = {name: os.environ.get(name) for name in ("SECRET_KEY", "SECRET_KEY_FALLBACKS")}

    def use(secret: str, fallbacks: str = "") -> None:
        os.environ["SECRET_KEY"] = secret
        os.environ["SECRET_KEY_FALLBACKS"] = fallbacks
        get_settings.cache_clear()

    yield use
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    get_settings.cache_clear()
