"""A process killed between the fast ingest's two statements (the message stored, the reopen not
yet): the sweep finishes the reopen by the same rule, and the AI answers the guest."""

from __future__ import annotations

import datetime
from typing import Any

import asyncpg
from sqlalchemy import select

from domain.conversations import inbound
from domain.conversations.ingest_sql import store_guest_message
from domain.conversations.models import Conversation, State, StateTransition
from domain.conversations.service import resolve
from domain.events import ConversationMoved
from domain.integrations.green_api_webhooks import ChatMessage, parse_event
from domain.settings import Settings
from domain.uow import DriverUnitOfWork, UnitOfWork
from tests.support.factories import incoming
from tests.support.uow import Recorded
from tests.support.world import World

CHAT = "491701234567@c.us"


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


async def _store_only(pool: asyncpg.Pool, world: World, text: str, id_message: str) -> Any:
    """The first statement of ingest and nothing after it: what a SIGKILL between the two leaves."""
    message = parse_event(
        incoming(world.aurora.green_api_instance_id, text=text, chat_id=CHAT, id_message=id_message)
    )
    assert isinstance(message, ChatMessage)
    async with DriverUnitOfWork(pool, Recorded()) as db:
        return await store_guest_message(
            db,
            inbound._message_values(world.aurora.id, None, message),
            phone="491701234567",
            is_group=False,
            now=_now(),
            preview=text,
            may_wake_ai=True,
            other_chat_id=None,
        )


async def _conversation(sessions: Any, world: World) -> Conversation:
    async with sessions() as db:
        return (
            await db.execute(select(Conversation).where(Conversation.hotel_id == world.aurora.id))
        ).scalar_one()


async def _sweep(sessions: Any, recorded: Recorded) -> int:
    now = _now()
    async with UnitOfWork(sessions, recorded) as uow:
        return await inbound.reopen_stranded(
            uow, settled_before=now + datetime.timedelta(seconds=1), since=now - datetime.timedelta(days=1)
        )


async def test_the_sweep_reopens_a_conversation_whose_reopen_a_crash_cut_short(
    settings: Settings, sessions: Any, world: World
) -> None:
    pool = await asyncpg.create_pool(settings.asyncpg_dsn, min_size=1, max_size=2)
    try:
        await _store_only(pool, world, "Hello", "first")
        conversation = await _conversation(sessions, world)
        async with UnitOfWork(sessions, Recorded()) as uow:
            await resolve(uow, world.aurora.id, conversation.id, world.anna)
        assert await _sweep(sessions, Recorded()) == 0, "resolved after the guest's last words: left alone"

        stored = await _store_only(pool, world, "One more question, please", "second")
        assert (await _conversation(sessions, world)).state is State.RESOLVED, "the crash left it resolved"

        recorded = Recorded()
        assert await _sweep(sessions, recorded) == 1
        after = await _conversation(sessions, world)
        assert after.state is State.AI
        assert after.ai_pending_since is not None
        async with sessions() as db:
            last = (
                await db.execute(
                    select(StateTransition)
                    .where(StateTransition.conversation_id == conversation.id)
                    .order_by(StateTransition.created_at.desc())
                    .limit(1)
                )
            ).scalar_one()
        assert (last.from_state, last.to_state, last.reason) == (
            State.RESOLVED,
            State.AI,
            "guest_wrote_again",
        )
        assert next(e for e in recorded.events if isinstance(e, ConversationMoved)).state is State.AI
        assert [(j.function, j.args[1]) for j in recorded.jobs] == [("ai_reply", str(stored.message_id))]

        assert await _sweep(sessions, Recorded()) == 0, "done once"
    finally:
        await pool.close()


async def test_the_sweep_leaves_alone_a_guest_who_answered_the_satisfaction_question(
    settings: Settings, sessions: Any, world: World
) -> None:
    """A rating comes after the resolve too, but it is an answer, not a question: nothing to finish."""
    pool = await asyncpg.create_pool(settings.asyncpg_dsn, min_size=1, max_size=2)
    try:
        await _store_only(pool, world, "Hello", "first")
        conversation = await _conversation(sessions, world)
        async with UnitOfWork(sessions, Recorded()) as uow:
            await resolve(uow, world.aurora.id, conversation.id, world.anna)
        rating = parse_event(
            incoming(world.aurora.green_api_instance_id, text="5", chat_id=CHAT, id_message="rating")
        )
        assert isinstance(rating, ChatMessage)
        recorded = Recorded()
        async with DriverUnitOfWork(pool, recorded) as db:
            await inbound.receive_guest_message(
                db, inbound.HotelRef(world.aurora.id, ai_enabled=True), rating, debounce_seconds=0
            )
        assert recorded.jobs == [], "the AI is not woken"
        assert await _sweep(sessions, Recorded()) == 0
        assert (await _conversation(sessions, world)).state is State.RESOLVED
    finally:
        await pool.close()
