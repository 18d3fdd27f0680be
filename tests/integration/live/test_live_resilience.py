"""Two web processes sharing Redis: live events cross between them, throttling holds across them,
and the live hub survives a Redis outage without restarting the web process."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets

import embedded
from domain.settings import Settings
from tests.integration.live.test_live import cookie_header, post_guest, signed_in, ws_url
from tests.support.servers import serve_app
from tests.support.sockets import receive_until
from tests.support.web import PASSWORD, csrf_from
from tests.support.world import World, build_world
from web.app import create_app


@pytest.fixture
async def world(sessions: Any) -> World:
    return await build_world(sessions, bob=False)


@pytest.fixture
def own_redis() -> Iterator[embedded.EmbeddedRedis]:
    # Durable, as production runs Redis (k8s: appendonly yes): sessions outlive a restart.
    server = embedded.EmbeddedRedis(durable=True).start()
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def two_servers(
    settings: Settings, sessions: Any, own_redis: embedded.EmbeddedRedis
) -> Iterator[tuple[str, str]]:
    # after ``sessions``: both servers stop before its teardown empties the tables
    shared = settings.model_copy(update={"redis_url": own_redis.url})
    with serve_app(create_app(shared)) as first, serve_app(create_app(shared)) as second:
        yield first, second


async def test_a_webhook_on_one_process_reaches_a_socket_on_the_other(two_servers, world) -> None:
    first, second = two_servers
    anna = await signed_in(second, "anna@aurora.example")
    try:
        async with websockets.connect(
            ws_url(second), additional_headers={"Cookie": cookie_header(anna), "Origin": second}
        ) as socket:
            await receive_until(socket, 'id="inbox-list"')
            await post_guest(first, world.aurora, "hook-a", "Crossing processes")
            await receive_until(socket, "Crossing processes")
    finally:
        await anna.aclose()


async def test_login_throttling_holds_across_two_web_processes(two_servers, world) -> None:
    first, second = two_servers
    for attempt in range(10):
        async with httpx.AsyncClient(base_url=first if attempt % 2 else second) as client:
            page = await client.get("/login")
            response = await client.post(
                "/login",
                data={
                    "email": "anna@aurora.example",
                    "password": "wrong-password",
                    "_csrf": csrf_from(page.text),
                },
            )
            assert response.status_code == 401
    for server in (first, second):
        async with httpx.AsyncClient(base_url=server) as client:
            page = await client.get("/login")
            response = await client.post(
                "/login",
                data={"email": "anna@aurora.example", "password": PASSWORD, "_csrf": csrf_from(page.text)},
            )
            assert response.status_code == 429, "even the right password waits out the window"


async def test_live_updates_resume_after_a_redis_outage(two_servers, world, own_redis) -> None:
    first, second = two_servers
    anna = await signed_in(second, "anna@aurora.example")
    try:
        async with websockets.connect(
            ws_url(second), additional_headers={"Cookie": cookie_header(anna), "Origin": second}
        ) as socket:
            await receive_until(socket, 'id="inbox-list"')
            own_redis.stop()
            async with httpx.AsyncClient() as http:
                for _ in range(50):
                    ready = await http.get(f"{second}/health/ready")
                    if ready.status_code == 503:
                        break
                    await asyncio.sleep(0.2)
                assert ready.status_code == 503
                assert any("live events" in f or "redis" in f for f in ready.json()["failed"])
                # A guest writes while Redis is down: stored (PostgreSQL), not yet pushed.
                await post_guest(first, world.aurora, "hook-a", "Written during the outage")
                await asyncio.sleep(6)  # longer than the channels plugin survives
                own_redis.start()
                for _ in range(100):
                    if (await http.get(f"{second}/health/ready")).status_code == 200:
                        break
                    await asyncio.sleep(0.2)
                assert (await http.get(f"{second}/health/ready")).status_code == 200
            # On reconnecting to Redis the hub resends the region: the message written meanwhile appears.
            await receive_until(socket, "Written during the outage", timeout=15)
            await post_guest(first, world.aurora, "hook-a", "After the outage")
            await receive_until(socket, "After the outage", timeout=10)
    finally:
        await anna.aclose()
