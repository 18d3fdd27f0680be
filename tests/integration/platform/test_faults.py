"""Faults, tested: PostgreSQL down, Redis down, a worker killed in the middle of a send.

These tests start and stop only servers and processes they started themselves."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis
from sqlalchemy import func, select

import embedded
from domain.conversations.models import Author, Delivery, Message
from domain.db import create_engine, session_factory
from domain.ports import SEND_QUEUE
from domain.settings import Settings
from tests.support.factories import incoming, make_hotel
from tests.support.migrate import upgrade_head
from tests.support.stack import eventually, running_stack
from tests.support.web import sign_in
from tests.support.world import World
from web.app import create_app

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def own_postgres() -> Iterator[embedded.EmbeddedPostgres]:
    server = embedded.EmbeddedPostgres().start()
    upgrade_head(server.url)
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def own_redis() -> Iterator[embedded.EmbeddedRedis]:
    server = embedded.EmbeddedRedis().start()
    try:
        yield server
    finally:
        server.cleanup()


async def test_postgres_down_gives_503_and_green_api_retry_then_succeeds(
    settings: Settings, own_postgres: Any
) -> None:
    engine = create_engine(own_postgres.url, pool_size=2)
    sessions = session_factory(engine)
    hotel = await make_hotel(sessions, webhook_token="hook-secret")
    headers = {"Authorization": "Bearer hook-secret"}
    first = incoming(hotel.green_api_instance_id, text="first")
    during = incoming(hotel.green_api_instance_id, text="during the outage")
    try:
        async with AsyncTestClient(
            app=create_app(settings.model_copy(update={"database_url": own_postgres.url}))
        ) as client:
            assert (await client.post("/webhooks/green-api", json=first, headers=headers)).status_code == 200
            own_postgres.stop()
            response = await client.post("/webhooks/green-api", json=during, headers=headers)
            assert response.status_code == 503
            assert "database" in response.json()["detail"]
            ready = await client.get("/health/ready")
            assert ready.status_code == 503
            assert any("postgresql" in failure for failure in ready.json()["failed"])
            own_postgres.start()
            # Green API resends a notification that was not acknowledged with 200 (every minute).
            # The first try after the restart may still meet a connection of the old server: the
            # pool is dropped then, and the next delivery succeeds.
            answers = []
            for _ in range(3):
                answers.append(
                    (await client.post("/webhooks/green-api", json=during, headers=headers)).status_code
                )
                if answers[-1] == 200:
                    break
            assert answers[-1] == 200, answers
            assert set(answers) <= {200, 503}, "never a 500"
        await engine.dispose()
        engine = create_engine(own_postgres.url, pool_size=2)
        async with session_factory(engine)() as session:
            texts = (await session.execute(select(Message.text).order_by(Message.created_at))).scalars().all()
        assert texts == ["first", "during the outage"]
    finally:
        await engine.dispose()


async def test_redis_down_while_a_webhook_arrives_still_gets_a_reply_once_redis_is_back(
    settings: Settings, sessions: Any, own_redis: embedded.EmbeddedRedis
) -> None:
    settings = settings.model_copy(update={"redis_url": own_redis.url})
    async with running_stack(settings, sessions) as stack:
        await stack.workers.stop()
        own_redis.stop()
        await stack.guest_writes("Is there parking at the hotel?")
        stored = await eventually(lambda: _guest_messages(stack))
        assert len(stored) == 1, "the message is stored although Redis is down"
        # The webhook was answered 200 (the simulator records the answer once it has it: after the
        # commit, the failed enqueue and publish).
        await eventually(lambda: _webhook_answered(stack))
        assert await stack.replies() == []
        own_redis.start()
        await stack.workers.start()  # a worker pod restarting after the outage
        [reply] = await eventually(stack.replies, timeout=15)
        assert "18 EUR" in reply
        await asyncio.sleep(1.5)
        assert len(await stack.replies()) == 1


async def _webhook_answered(stack: Any) -> bool:
    return any(
        d.get("typeWebhook") == "incomingMessageReceived" and d.get("httpStatus") == 200
        for d in await stack.deliveries()
    )


async def _guest_messages(stack: Any) -> list[Message]:
    return [m for m in await stack.messages() if m.author is Author.GUEST]


def _worker_process(settings: Settings) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "REDIS_PREFIX": settings.redis_prefix,
        "GREEN_API_URL": settings.green_api_url,
        "DEEPSEEK_API_URL": settings.deepseek_api_url,
        "DEEPSEEK_API_KEY": "sk-test",
        "SEND_TIMEOUT_SECONDS": "4",
        "WORKER_POLL_DELAY": "0.05",
        "RETRY_BASE_SECONDS": "0.1",
        "SWEEP_INTERVAL_SECONDS": "5",
        "AI_DEBOUNCE_SECONDS": "0.2",
    }
    return subprocess.Popen([sys.executable, "-m", "cli", "worker"], cwd=ROOT, env=env)


@pytest.fixture
async def worker_processes() -> AsyncIterator[list[subprocess.Popen[bytes]]]:
    processes: list[subprocess.Popen[bytes]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize(
    ("echo", "journal_fails"),
    [(True, False), (False, False), (False, True)],
    ids=["reconciled-by-echo-webhook", "reconciled-by-journal", "journal-answers-429-first"],
)
async def test_worker_killed_in_the_middle_of_a_send_gives_exactly_one_message(
    settings: Settings,
    sessions: Any,
    worker_processes: list[subprocess.Popen[bytes]],
    echo: bool,
    journal_fails: bool,
) -> None:
    async with running_stack(settings, sessions, start_workers=False) as stack:
        if not echo:
            instance = stack.hotel.green_api_instance_id
            response = await stack.http.post(
                f"{stack.green_url}/waInstance{instance}/setSettings/api-secret",
                json={"outgoingAPIMessageWebhook": "no"},
            )
            assert response.json() == {"saveSettings": True}
        # Green API accepts the message, then answers slowly: the worker dies before it stores idMessage.
        await stack.green_fault("sendMessage", "slow", count=1, delay=30)
        worker_processes.append(_worker_process(stack.settings))
        await stack.guest_writes("When is breakfast?")
        await eventually(stack.replies, timeout=20)  # accepted by Green API, the answer still pending
        worker_processes[0].send_signal(signal.SIGKILL)
        worker_processes[0].wait()
        if not echo:
            [row] = await _sending(stack)
            assert row.provider_message_id is None, "the killed worker never stored the idMessage"
        if journal_fails:
            # The next attempt cannot read the journal at first: it must not take that for "not sent".
            await stack.green_fault("lastOutgoingMessages", "429", count=1)
        worker_processes.append(_worker_process(stack.settings))
        sent = await eventually(lambda: _sent_ai(stack), timeout=40)
        assert sent.provider_message_id
        # Long enough for arq to hand the killed job to the new worker (in-progress TTL: 4 s + 10 s).
        await eventually(lambda: _job_rerun_finished(stack), timeout=30)
        replies = await stack.replies()
        assert len(replies) == 1, replies
        [outgoing] = [m for m in await stack.chat() if m["direction"] == "outgoing"]
        assert sent.provider_message_id == outgoing["idMessage"], "the row adopted the id Green API gave"
        async with stack.sessions() as session:
            count = (
                await session.execute(
                    select(func.count()).select_from(Message).where(Message.author == Author.AI)
                )
            ).scalar()
        assert count == 1


async def _job_rerun_finished(stack: Any) -> bool:
    redis = Redis.from_url(stack.settings.redis_url)
    try:
        queue = f"{stack.settings.redis_prefix}{SEND_QUEUE}"
        return int(await redis.zcard(queue)) == 0
    finally:
        await redis.aclose()


async def _sending(stack: Any) -> list[Message]:
    return [m for m in await stack.messages() if m.author is Author.AI and m.status is Delivery.SENDING]


async def _sent_ai(stack: Any) -> Message | None:
    return next(
        (
            m
            for m in await stack.messages()
            if m.author is Author.AI and m.status in (Delivery.SENT, Delivery.DELIVERED, Delivery.READ)
        ),
        None,
    )


async def test_the_worker_process_outlives_a_redis_outage(
    settings: Settings, sessions: Any, own_redis: embedded.EmbeddedRedis, worker_processes: list[Any]
) -> None:
    settings = settings.model_copy(update={"redis_url": own_redis.url})
    async with running_stack(settings, sessions, start_workers=False) as stack:
        worker_processes.append(_worker_process(stack.settings))
        await stack.guest_writes("When is breakfast?")
        await eventually(stack.replies, timeout=20)
        own_redis.stop()
        await asyncio.sleep(5)
        own_redis.start()
        assert worker_processes[0].poll() is None, "the worker is still running after the outage"
        await stack.guest_writes("Is there parking?", chat_id="491709999999@c.us")
        [reply] = await eventually(lambda: stack.replies("491709999999@c.us"), timeout=40)
        assert "18 EUR" in reply


async def test_staff_pages_and_actions_answer_503_while_redis_is_down_or_loading(
    settings: Settings, sessions: Any, world: World, own_redis: embedded.EmbeddedRedis
) -> None:
    """Sessions live in Redis: while it is down (or still loading its data after a restart, which
    bench/soak.py met as a 500) a staff member gets "try again", never an internal error."""
    settings = settings.model_copy(update={"redis_url": own_redis.url})
    async with AsyncTestClient(app=create_app(settings)) as client:
        csrf = await sign_in(client, "anna@aurora.example")
        own_redis.stop()
        page = await client.get("/inbox", headers={"Accept": "text/html"})
        assert page.status_code == 503
        assert "Not available just now" in page.text
        action = await client.post(
            f"/conversations/{uuid4()}/take-over", headers={"X-CSRF-Token": csrf, "HX-Request": "true"}
        )
        assert action.status_code == 503
        assert action.headers["retry-after"]
        own_redis.start()
        assert (await client.get("/inbox")).status_code == 200, "the session outlived the outage"
