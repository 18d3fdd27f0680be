"""Every action that moves a conversation records a timeline row and publishes its typed event,
against the real app, real PostgreSQL and real Redis (the events are read off the hotel's channel,
as every web process's live hub reads them)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis
from sqlalchemy import select

from domain.conversations.models import Conversation, State, StateTransition
from domain.conversations.service import hand_off, lock_conversation
from domain.events import ConversationMoved, Event
from domain.settings import Settings
from domain.staff.models import Role
from domain.uow import UnitOfWork
from jobs.enqueue import RedisDispatcher
from tests.support.events import hotel_events
from tests.support.factories import incoming
from tests.support.web import sign_in
from tests.support.world import World, build_world
from web.app import create_app

AI, WAITING, HUMAN, RESOLVED = State.AI, State.NEEDS_HUMAN, State.HUMAN, State.RESOLVED
CHAT = "491701234567@c.us"


@pytest.fixture
async def world(sessions: Any) -> World:
    return await build_world(sessions, alex=Role.AGENT)


@asynccontextmanager
async def signed_in(settings: Settings, email: str) -> AsyncIterator[Any]:
    async with AsyncTestClient(app=create_app(settings)) as client:
        client.headers.update({"X-CSRF-Token": await sign_in(client, email), "HX-Request": "true"})
        yield client


async def test_every_action_records_its_transition_and_publishes_its_event(
    settings: Settings, sessions: Any, world: World
) -> None:
    aurora, anna, alex = world.aurora, world.anna, world.alex
    redis = Redis.from_url(settings.redis_url)
    feed = await hotel_events(redis, settings.redis_prefix, aurora.id)
    hook = {"Authorization": "Bearer hook-a"}
    moves: list[tuple[State, State, str]] = []
    events: list[Event] = []
    try:
        async with (
            signed_in(settings, "anna@aurora.example") as anna_client,
            signed_in(settings, "alex@aurora.example") as alex_client,
        ):

            async def guest_writes(text: str) -> None:
                body = incoming(aurora.green_api_instance_id, text=text, chat_id=CHAT)
                assert (
                    await anna_client.post("/webhooks/green-api", json=body, headers=hook)
                ).status_code == 200

            async def step(expected: tuple[State, State, str], action: Any) -> None:
                await action
                moves.append(expected)
                events.extend(await feed.drain())

            await guest_writes("Hello, can I check in early?")
            async with sessions() as db:
                conversation_id = (
                    await db.execute(select(Conversation.id).where(Conversation.hotel_id == aurora.id))
                ).scalar_one()
            url = f"/conversations/{conversation_id}"

            async def ai_hands_off() -> None:
                async with UnitOfWork(sessions, RedisDispatcher(redis, settings.redis_prefix)) as uow:
                    conversation = await lock_conversation(uow, aurora.id, conversation_id)
                    await hand_off(uow, conversation, reason="not_in_knowledge", summary="early check-in")

            async def ok(response: Any) -> None:
                assert (await response).status_code == 204

            events.extend(await feed.drain())
            await step(
                (AI, HUMAN, "staff_replied"), ok(anna_client.post(f"{url}/reply", data={"text": "Hi!"}))
            )
            await step((HUMAN, HUMAN, "taken_over_from"), ok(alex_client.post(f"{url}/take-over")))
            await step((HUMAN, AI, "staff_handed_back"), ok(alex_client.post(f"{url}/hand-back")))
            await step((AI, WAITING, "not_in_knowledge"), ai_hands_off())
            await step((WAITING, HUMAN, "staff_took_over"), ok(anna_client.post(f"{url}/take-over")))
            await step(
                (HUMAN, HUMAN, "assigned"),
                ok(anna_client.post(f"{url}/assign", data={"staff_id": str(alex)})),
            )
            await step((HUMAN, RESOLVED, "staff_resolved"), ok(alex_client.post(f"{url}/resolve")))
            await step((RESOLVED, AI, "staff_reopened"), ok(anna_client.post(f"{url}/reopen")))
            await step((AI, RESOLVED, "staff_resolved"), ok(anna_client.post(f"{url}/resolve")))
            await step((RESOLVED, AI, "guest_wrote_again"), guest_writes("One more question"))
            phone = incoming(
                aurora.green_api_instance_id,
                text="Reception here",
                chat_id=CHAT,
                kind="outgoingMessageReceived",
            )
            await step(
                (AI, HUMAN, "replied_from_phone"),
                ok_200(anna_client.post("/webhooks/green-api", json=phone, headers=hook)),
            )
    finally:
        await feed.aclose()
        await redis.aclose()

    async with sessions() as db:
        rows = (
            await db.execute(
                select(StateTransition)
                .where(StateTransition.conversation_id == conversation_id)
                .order_by(StateTransition.created_at, StateTransition.id)
            )
        ).scalars()
        rows = list(rows)
    assert [(r.from_state, r.to_state, r.reason) for r in rows] == moves
    moved = [e for e in events if isinstance(e, ConversationMoved)]
    assert [(e.from_state, e.state, e.reason) for e in moved] == moves
    assert all(e.conversation_id == conversation_id and e.hotel_id == aurora.id for e in moved)
    # Who acted, and whose hands it left and went to, as the timeline says.
    assert [(e.by, e.from_staff, e.to_staff) for e in moved] == [
        (r.staff_id, r.from_staff_id, r.to_staff_id) for r in rows
    ]
    assert (moved[1].by, moved[1].from_staff, moved[1].to_staff) == (alex, anna, alex)
    assert (moved[5].by, moved[5].from_staff, moved[5].to_staff) == (anna, anna, alex)


async def ok_200(response: Any) -> None:
    assert (await response).status_code == 200
