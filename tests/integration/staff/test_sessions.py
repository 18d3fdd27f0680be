"""Staff sessions end when left unused (the idle timeout) and at their absolute lifetime, whatever
is done with them in between. The clock is moved by rewriting the session's own times in Redis."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from domain.settings import Settings
from domain.staff.models import Role
from tests.support.web import csrf_from, make_staff, sign_in
from tests.support.world import World, build_world
from web.app import create_app
from web.sessions import SESSION_IDLE_SECONDS, SESSION_TTL_SECONDS

DAY = 24 * 3600


@pytest.fixture
async def world(sessions: Any) -> World:
    world = await build_world(sessions, bob=False)
    # Anna works at both hotels: signing in asks which one.
    await make_staff(sessions, world.borealis.id, "anna@aurora.example", Role.AGENT, "Anna")
    return world


@pytest.fixture
async def client(settings: Settings, sessions: Any) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(app=create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    connection = Redis.from_url(settings.redis_url)
    yield connection
    await connection.aclose()


def session_key(settings: Settings, client: AsyncTestClient[Any]) -> str:
    token = client.cookies.get("hb_session", domain="testserver.local")
    assert token
    return f"{settings.redis_prefix}session:{hashlib.sha256(token.encode()).hexdigest()}"


async def rewrite(redis: Redis, key: str, **times: float) -> None:
    """Move the session's clock: as if it had been created or last used at these times."""
    data = json.loads(await redis.get(key))
    data.update(times)
    await redis.set(key, json.dumps(data), keepttl=True)


async def test_the_default_idle_timeout_is_twelve_hours(settings: Settings) -> None:
    assert Settings.from_env({}).session_idle_seconds == 12 * 3600 == SESSION_IDLE_SECONDS
    assert Settings.from_env({"SESSION_IDLE_SECONDS": "1800"}).session_idle_seconds == 1800


async def test_a_session_left_unused_longer_than_the_idle_timeout_ends(
    client, world, settings, redis
) -> None:
    await sign_in(client, "anna@aurora.example")
    key = session_key(settings, client)
    # The key itself lives only as long as the idle timeout: open dashboards see it go.
    assert 0 < await redis.ttl(key) <= SESSION_IDLE_SECONDS
    now = time.time()
    await rewrite(redis, key, seen_at=now - SESSION_IDLE_SECONDS - 60)
    response = await client.get("/inbox", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    assert await redis.get(key) is None


async def test_a_session_in_use_outlives_the_idle_timeout(client, world, settings, redis) -> None:
    await sign_in(client, "anna@aurora.example")
    key = session_key(settings, client)
    now = time.time()
    # Created 13 hours ago, used an hour ago: well within the idle timeout.
    await rewrite(redis, key, created_at=now - 13 * 3600, seen_at=now - 3600)
    assert (await client.get("/inbox")).status_code == 200
    # That request counted as use: the clock starts again.
    assert json.loads(await redis.get(key))["seen_at"] > now - 60
    assert await redis.ttl(key) > SESSION_IDLE_SECONDS - 120


async def test_a_session_ends_at_its_absolute_lifetime_however_busy(client, world, settings, redis) -> None:
    await sign_in(client, "anna@aurora.example")
    key = session_key(settings, client)
    now = time.time()
    await rewrite(redis, key, created_at=now - SESSION_TTL_SECONDS - 60, seen_at=now)
    assert (await client.get("/inbox", follow_redirects=False)).status_code == 303


async def test_switching_hotels_does_not_stretch_a_session_past_its_lifetime(
    client, world, settings, redis
) -> None:
    await sign_in(client, "anna@aurora.example")
    key = session_key(settings, client)
    now = time.time()
    # Ten minutes left of its fourteen days.
    await rewrite(redis, key, created_at=now - SESSION_TTL_SECONDS + 600, seen_at=now)
    inbox = await client.get("/inbox")
    switched = await client.post(
        "/hotels/switch",
        data={"hotel_id": str(world.borealis.id), "_csrf": csrf_from(inbox.text)},
        follow_redirects=False,
    )
    assert switched.status_code == 303
    assert 0 < await redis.ttl(key) <= 600
