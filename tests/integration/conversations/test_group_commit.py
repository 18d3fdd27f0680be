"""Group commit of the webhook's hot path: guest messages that arrive together are stored in one
statement and one commit, each exactly once and in its own hotel, and one message's failure is its
own webhook's answer, never its neighbours'."""

from __future__ import annotations

import asyncio
import datetime
from typing import Any
from uuid import uuid4

import asyncpg
import pytest
from sqlalchemy import func, select

from domain.conversations import inbound
from domain.conversations.ingest_sql import IngestBatches, StoredMessage, store_guest_message
from domain.conversations.models import Conversation, Message
from domain.db import DatabaseUnavailable
from domain.events import MessageStored
from domain.hotels.models import Hotel
from domain.integrations.green_api_webhooks import ChatMessage, parse_event
from domain.settings import Settings
from domain.uow import DriverUnitOfWork
from tests.support.factories import incoming
from tests.support.uow import Recorded
from tests.support.world import World


def _message(hotel: Hotel, chat: str, id_message: str, text: str = "Hello") -> ChatMessage:
    message = parse_event(
        incoming(hotel.green_api_instance_id, text=text, chat_id=chat, id_message=id_message)
    )
    assert isinstance(message, ChatMessage)
    return message


async def _receive(
    pool: asyncpg.Pool, batches: IngestBatches, recorded: Recorded, hotel: Hotel, message: ChatMessage
) -> Any:
    async with DriverUnitOfWork(pool, recorded, batches) as db:
        return await inbound.receive_guest_message(
            db, inbound.HotelRef(hotel.id, ai_enabled=False), message, debounce_seconds=0
        )


async def test_messages_arriving_together_share_a_commit_and_are_each_stored_once(
    settings: Settings, sessions: Any, world: World
) -> None:
    pool = await asyncpg.create_pool(settings.asyncpg_dsn, min_size=1, max_size=4)
    sizes: list[int] = []
    batches = IngestBatches(pool, flushes=1, on_batch=sizes.append)
    recorded = Recorded()
    arrivals: list[tuple[Hotel, ChatMessage]] = []
    for n in range(8):
        for hotel in (world.aurora, world.borealis):
            chat = f"4917000000{n:02d}@c.us"  # the same number writes to both hotels
            for k in range(3):
                arrivals.append((hotel, _message(hotel, chat, f"{hotel.slug}-{n}-{k}", f"message {k}")))
    twice = arrivals[:5]  # Green API delivers these again while the first copies are being stored
    try:
        results = await asyncio.gather(
            *(_receive(pool, batches, recorded, hotel, message) for hotel, message in [*arrivals, *twice])
        )
    finally:
        await pool.close()

    assert max(sizes) > 1, f"messages that arrived together shared a statement: {sizes}"
    assert sum(sizes) == len(arrivals) + len(twice)
    stored = [r for r in results if r is not None]
    assert len(stored) == len(arrivals), "each duplicate answered as one"
    assert len(set(stored)) == len(stored)
    async with sessions() as db:
        for hotel in (world.aurora, world.borealis):
            rows = (
                await db.execute(
                    select(Message.provider_message_id, Conversation.hotel_id, Message.hotel_id)
                    .join(Conversation, Conversation.id == Message.conversation_id)
                    .where(Message.hotel_id == hotel.id)
                )
            ).all()
            assert sorted(r[0] for r in rows) == sorted(m.id_message for h, m in arrivals if h is hotel)
            assert {r[1] for r in rows} == {hotel.id}, "each message in a conversation of its own hotel"
            conversations = await db.scalar(
                select(func.count()).select_from(Conversation).where(Conversation.hotel_id == hotel.id)
            )
            assert conversations == 8, "one conversation per guest, however their messages were batched"
    published = [e for e in recorded.events if isinstance(e, MessageStored)]
    assert sorted(e.message_id for e in published) == sorted(stored), "staff hear of each message once"


async def test_a_message_that_fails_fails_alone(settings: Settings, world: World) -> None:
    """A batch that fails is stored again one message at a time: the good messages are kept, and
    the bad one's error is its own."""
    pool = await asyncpg.create_pool(settings.asyncpg_dsn, min_size=1, max_size=2)
    sizes: list[int] = []
    batches = IngestBatches(pool, flushes=1, on_batch=sizes.append)

    async def store(hotel_id: Any, id_message: str) -> Any:
        message = _message(world.aurora, "491700000001@c.us", id_message)
        async with DriverUnitOfWork(pool, Recorded(), batches) as db:
            return await store_guest_message(
                db,
                inbound._message_values(hotel_id, None, message),
                phone="491700000001",
                is_group=False,
                now=datetime.datetime.now(datetime.UTC),
                preview="Hello",
                may_wake_ai=False,
                other_chat_id=None,
            )

    try:
        results = await asyncio.gather(
            store(world.aurora.id, "good-1"),
            store(uuid4(), "of-no-hotel"),  # a hotel that does not exist: a foreign key violation
            store(world.aurora.id, "good-2"),
            return_exceptions=True,
        )
    finally:
        await pool.close()
    assert sizes == [1, 1], "the failed batch of three was not counted; two messages were stored alone"
    good_1, bad, good_2 = results
    assert isinstance(bad, asyncpg.ForeignKeyViolationError)
    assert isinstance(good_1, StoredMessage), "stored although its batch failed"
    assert isinstance(good_2, StoredMessage)
    assert good_1.conversation_id == good_2.conversation_id


async def test_postgres_out_of_reach_answers_every_waiting_message_as_unavailable() -> None:
    unreachable = await asyncpg.create_pool("postgresql://postgres@127.0.0.1:9/none", min_size=0, max_size=2)
    batches = IngestBatches(unreachable, flushes=1)
    try:
        results = await asyncio.gather(
            *(batches.store((uuid4(), uuid4(), f"{n}@c.us")) for n in range(3)), return_exceptions=True
        )
    finally:
        await unreachable.close()
    assert all(isinstance(r, DatabaseUnavailable) for r in results), results


async def test_a_connection_postgres_closes_mid_statement_is_unavailable_and_the_pool_recovers(
    settings: Settings,
) -> None:
    """PostgreSQL restarting closes the connections in use: the statement answers 'unavailable'
    (a 503 to the webhook, which Green API sends again), and the next one works on a new connection."""
    pool = await asyncpg.create_pool(settings.asyncpg_dsn, min_size=1, max_size=2)
    try:
        async with pool.acquire() as killer:

            async def kill_soon() -> None:
                await asyncio.sleep(0.3)
                await killer.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE query LIKE 'SELECT pg_sleep(5)%'"
                )

            killing = asyncio.create_task(kill_soon())
            with pytest.raises(DatabaseUnavailable):
                async with DriverUnitOfWork(pool, Recorded()) as db:
                    await db.fetch("SELECT pg_sleep(5)")
            await killing
        async with DriverUnitOfWork(pool, Recorded()) as db:
            assert await db.fetchrow("SELECT 1") == (1,)
    finally:
        await pool.close()
