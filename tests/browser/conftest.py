"""Browser test fixtures: the real processes (started once for all tests), Chromium, a hotel per test."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import httpx
import pytest
from playwright.async_api import Browser, async_playwright

from tests.browser.harness import (
    CHROMIUM_ARGS,
    Harness,
    Tabs,
    World,
    chromium_executable,
    create_world,
    tabs_for,
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives a real Chromium against the real processes")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


_CALL_FAILED = pytest.StashKey[bool]()


def _admin(server_url: str, sql: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(server_url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


# Package scope: everything stops after the last browser test, not at the end of the whole run.
@pytest.fixture(scope="package")
def harness(postgres_server_url: str) -> Iterator[Harness]:
    """A fresh database, a Redis of its own, both simulators, one worker and two web processes."""
    name = f"hotelbot_browser_{secrets.token_hex(4)}"
    _admin(postgres_server_url, f'CREATE DATABASE "{name}"')
    server = postgres_server_url.replace("postgresql+asyncpg://", "postgresql://").rsplit("/", 1)[0]
    try:
        running = Harness.start(f"{server}/{name}")
        try:
            yield running
        finally:
            running.stop_all()
    finally:
        _admin(postgres_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="package")
async def browser() -> AsyncIterator[Browser]:
    executable = chromium_executable()
    if executable is None:
        pytest.fail(
            "Chromium is missing (looked for `chromium` on PATH and /usr/bin/chromium); "
            "scripts/test.sh installs it with apt-get, or run `apt-get install -y chromium`"
        )
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=20) as client:
        yield client


@pytest.fixture
async def world(harness: Harness, http: httpx.AsyncClient) -> World:
    """A hotel of its own (AI on), with two agents and its Green API simulator instance."""
    await _healthy(harness)
    return await create_world(harness, http)


@pytest.fixture
async def quiet_world(harness: Harness, http: httpx.AsyncClient) -> World:
    """The same with the AI switched off: a conversation stays where the guest left it (an AI
    answer or hand-off would move its row a moment later)."""
    await _healthy(harness)
    return await create_world(harness, http, ai_enabled=False)


async def _healthy(harness: Harness) -> None:
    """Every test starts from the whole product up (an earlier test may have stopped a piece)."""
    if harness.redis.process is None or harness.redis.process.poll() is not None:
        harness.redis.start()
    for index in range(len(harness.web_ports)):
        if not harness.web(index).running:
            harness.web(index).start()
    await harness.ensure_worker()
    await harness.wait_ready()


@pytest.fixture
async def tabs(browser: Browser, request: pytest.FixtureRequest) -> AsyncIterator[Tabs]:
    def failed() -> str | None:
        return request.node.name if request.node.stash.get(_CALL_FAILED, False) else None

    async with tabs_for(browser, failed) as opened:
        yield opened
