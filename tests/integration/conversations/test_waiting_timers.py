"""The waiting-guest timers over the real app, the real cron function, PostgreSQL and Redis: a breach
recorded once and announced to the hotel's own staff only, the managers' escalation, the reply
that ends the wait, and the hand-back to the AI after staff silence. A guest whose AI draft waits
for approval waits for a person too."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import websockets
from arq.connections import ArqRedis, create_pool
from sqlalchemy import select, text, update

from domain.conversations import drafts, service
from domain.conversations.models import AiDraft, Conversation, DraftStatus, SlaBreach, State, StateTransition
from domain.hotels.models import Hotel
from domain.settings import Settings
from domain.staff.models import Role
from domain.uow import UnitOfWork
from jobs.enqueue import RedisDispatcher
from jobs.services import provide_services
from jobs.worker import redis_settings, watch_waits
from tests.support.factories import incoming
from tests.support.servers import serve_app
from tests.support.sockets import receive_until
from tests.support.web import PASSWORD, csrf_from
from tests.support.world import World, build_world
from web.app import create_app


@pytest.fixture
def server(settings: Settings, sessions: Any) -> Iterator[str]:
    with serve_app(create_app(settings)) as url:
        yield url


@pytest.fixture
async def world(sessions: Any) -> World:
    return await build_world(sessions, alex=Role.MANAGER)


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[ArqRedis]:
    pool = await create_pool(redis_settings(settings.redis_url))
    yield pool
    await pool.aclose()


async def run_timers(settings: Settings, redis: ArqRedis) -> str:
    """The worker's cron function itself, with the services a worker builds at start-up."""
    async with provide_services(settings, redis) as services:
        return await watch_waits({"services": services, "settings": settings})


async def signed_in(server: str, email: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=server, timeout=10)
    page = await client.get("/login")
    response = await client.post(
        "/login", data={"email": email, "password": PASSWORD, "_csrf": csrf_from(page.text)}
    )
    assert response.status_code in (200, 303)
    return client


def live(server: str, client: httpx.AsyncClient) -> Any:
    cookies = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    return websockets.connect(
        server.replace("http://", "ws://") + "/live",
        additional_headers={"Cookie": cookies, "Origin": server},
    )


async def frames_for_a_while(socket: Any, seconds: float = 0.8) -> list[str]:
    frames = []
    while True:
        try:
            frames.append(str(await asyncio.wait_for(socket.recv(), seconds)))
        except TimeoutError:
            return frames


async def guest_writes(server: str, hotel: Hotel, token: str, words: str) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{server}/webhooks/green-api",
            json=incoming(hotel.green_api_instance_id, text=words, sender_name="Lucia"),
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 200


async def conversation_of(sessions: Any, hotel: Hotel) -> Conversation:
    async with sessions() as db:
        return (await db.execute(select(Conversation).where(Conversation.hotel_id == hotel.id))).scalar_one()


async def uow(sessions: Any, settings: Settings, redis: ArqRedis) -> UnitOfWork:
    return UnitOfWork(sessions, RedisDispatcher(redis, settings.redis_prefix))


async def backdate(sessions: Any, conversation_id: Any, minutes: float) -> None:
    """Move the conversation's story ``minutes`` into the past, as if that much time had gone by."""
    shift = datetime.timedelta(minutes=minutes)
    async with sessions() as db, db.begin():
        for table in ("conversations", "state_transitions", "messages", "ai_drafts"):
            column = "needs_human_since" if table == "conversations" else "created_at"
            key = "id" if table == "conversations" else "conversation_id"
            await db.execute(
                text(
                    f"UPDATE {table} SET {column} = {column} - make_interval(secs => :shift)"
                    f" WHERE {key} = :id"
                ),
                {"shift": shift.total_seconds(), "id": conversation_id},
            )


async def breaches(sessions: Any) -> list[SlaBreach]:
    async with sessions() as db:
        return list((await db.execute(select(SlaBreach))).scalars())


async def waiting_at_aurora(
    server: str, world: World, sessions: Any, settings: Settings, redis: ArqRedis
) -> Any:
    """Lucia asked Aurora for a person 7 minutes ago (the target is 5)."""
    await guest_writes(server, world.aurora, "hook-a", "I want to talk to a person")
    conversation = await conversation_of(sessions, world.aurora)
    async with await uow(sessions, settings, redis) as work:
        locked = await service.lock_conversation(work, world.aurora.id, conversation.id)
        await service.hand_off(work, locked, reason="guest_requested_human", summary=None)
    await backdate(sessions, conversation.id, 7)
    return conversation


async def test_a_breach_is_recorded_once_and_alerts_only_that_hotels_staff(
    server, world, sessions, settings, redis
) -> None:
    conversation = await waiting_at_aurora(server, world, sessions, settings, redis)
    anna = await signed_in(server, "anna@aurora.example")
    bob = await signed_in(server, "bob@borealis.example")
    try:
        async with live(server, anna) as anna_socket, live(server, bob) as bob_socket:
            await receive_until(anna_socket, 'id="inbox-list"')
            await receive_until(bob_socket, 'id="inbox-list"')
            assert "breaches=1" in await run_timers(settings, redis)
            alert = await receive_until(anna_socket, "has waited")
            assert "Lucia has waited 7 min for a first reply, past the target" in alert
            assert 'role="alert"' in alert
            assert 'data-urgent="true"' in alert  # the page chimes and marks its title
            assert f"/conversations/{conversation.id}" in alert
            assert not any("has waited" in f or "Lucia" in f for f in await frames_for_a_while(bob_socket))
            # The next rounds find the same wait: nothing more is recorded or said.
            assert "breaches=0" in await run_timers(settings, redis)
            assert not any("has waited" in f for f in await frames_for_a_while(anna_socket))
    finally:
        await anna.aclose()
        await bob.aclose()
    [breach] = await breaches(sessions)
    assert (breach.hotel_id, breach.conversation_id, breach.kind) == (
        world.aurora.id,
        conversation.id,
        "first_reply",
    )
    assert breach.target_minutes == 5
    assert breach.escalated_to_managers_at is None
    assert breach.answered_at is None


async def test_past_twice_the_target_the_managers_are_alerted_and_the_reply_closes_it(
    server, world, sessions, settings, redis
) -> None:
    conversation = await waiting_at_aurora(server, world, sessions, settings, redis)
    await run_timers(settings, redis)
    # The admin lowers the target to 3 minutes: 7 minutes is now past twice it.
    async with sessions() as db, db.begin():
        await db.execute(update(Hotel).where(Hotel.id == world.aurora.id).values(sla_first_reply_minutes=3))
    alex = await signed_in(server, "alex@aurora.example")
    anna = await signed_in(server, "anna@aurora.example")
    try:
        async with live(server, alex) as manager, live(server, anna) as agent:
            await receive_until(manager, 'id="inbox-list"')
            await receive_until(agent, 'id="inbox-list"')
            assert "escalated=1" in await run_timers(settings, redis)
            alert = await receive_until(manager, "past twice the target")
            assert "Lucia has waited 7 min for a first reply" in alert
            assert not any("past twice" in f for f in await frames_for_a_while(agent))
            assert "escalated=0" in await run_timers(settings, redis)
    finally:
        await alex.aclose()
        await anna.aclose()
    [breach] = await breaches(sessions)
    assert breach.escalated_to_managers_at is not None
    async with await uow(sessions, settings, redis) as work:
        await service.send_staff_reply(work, world.aurora.id, conversation.id, world.anna, "Hello, Anna here")
    [breach] = await breaches(sessions)
    assert breach.answered_at is not None
    assert breach.answered_by == world.anna


async def test_a_guest_message_left_unanswered_in_a_held_conversation_breaches_next_reply(
    server, world, sessions, settings, redis
) -> None:
    await guest_writes(server, world.aurora, "hook-a", "Hello")
    conversation = await conversation_of(sessions, world.aurora)
    async with await uow(sessions, settings, redis) as work:
        await service.send_staff_reply(
            work, world.aurora.id, conversation.id, world.anna, "Hi, how can I help?"
        )
    await guest_writes(server, world.aurora, "hook-a", "Is the spa open tonight?")
    await backdate(sessions, conversation.id, 11)
    assert "breaches=1" in await run_timers(settings, redis)
    [breach] = await breaches(sessions)
    assert (breach.kind, breach.target_minutes) == ("next_reply", 10)


async def test_out_of_hours_a_wait_does_not_breach_before_the_desk_opens(
    server, world, sessions, settings, redis
) -> None:
    now = datetime.datetime.now(datetime.UTC)
    opens = (now + datetime.timedelta(hours=3)).hour
    hours = {
        day: [[f"{opens:02d}:00", f"{opens:02d}:30"]]
        for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    }
    async with sessions() as db, db.begin():
        await db.execute(
            update(Hotel).where(Hotel.id == world.aurora.id).values(business_hours=hours, timezone="UTC")
        )
    await waiting_at_aurora(server, world, sessions, settings, redis)
    assert "breaches=0" in await run_timers(settings, redis)
    assert await breaches(sessions) == []


async def test_staff_silence_hands_the_conversation_back_to_the_ai(
    server, world, sessions, settings, redis
) -> None:
    async with sessions() as db, db.begin():
        await db.execute(update(Hotel).where(Hotel.id == world.aurora.id).values(auto_return_minutes=30))
    await guest_writes(server, world.aurora, "hook-a", "Hello")
    conversation = await conversation_of(sessions, world.aurora)
    async with await uow(sessions, settings, redis) as work:
        await service.send_staff_reply(work, world.aurora.id, conversation.id, world.anna, "Hi, Anna here")
    await backdate(sessions, conversation.id, 31)
    anna = await signed_in(server, "anna@aurora.example")
    try:
        async with live(server, anna) as socket:
            first = await receive_until(socket, 'id="inbox-list"')
            assert f"row-{conversation.id}" in first
            assert "handed_back=1" in await run_timers(settings, redis)
            # The inbox moves live: the row leaves Anna's own section for the AI's.
            moved = await receive_until(socket, "live-rows-ai")
            assert f"row-{conversation.id}" in moved
    finally:
        await anna.aclose()
    after = await conversation_of(sessions, world.aurora)
    assert (after.state, after.assigned_staff_id) == (State.AI, None)
    async with sessions() as db:
        last = (
            await db.execute(
                select(StateTransition)
                .where(StateTransition.conversation_id == conversation.id)
                .order_by(StateTransition.created_at.desc())
                .limit(1)
            )
        ).scalar_one()
    assert (last.from_state, last.to_state, last.reason, last.actor) == (
        State.HUMAN,
        State.AI,
        "auto_returned",
        "system",
    )
    assert last.from_staff_id == world.anna
    assert "handed_back=0" in await run_timers(settings, redis)


async def test_a_wait_whose_hand_off_time_is_missing_still_counts_and_the_round_goes_on(
    server, world, sessions, settings, redis
) -> None:
    """A conversation waiting for a person with no ``needs_human_since`` (rows from before the
    column was kept, or written by hand) waits from its hand-off's transition row: the round does
    not stop with an error for every hotel."""
    conversation = await waiting_at_aurora(server, world, sessions, settings, redis)
    async with sessions() as db, db.begin():
        await db.execute(
            text("UPDATE conversations SET needs_human_since = NULL WHERE id = :id"), {"id": conversation.id}
        )
    assert "breaches=1" in await run_timers(settings, redis)
    [breach] = await breaches(sessions)
    assert breach.conversation_id == conversation.id


async def draft_waiting_at_aurora(
    server: str, world: World, sessions: Any, settings: Settings, redis: ArqRedis, *, minutes: float
) -> tuple[Conversation, AiDraft]:
    """Aurora drafts every reply: Lucia asked about breakfast ``minutes`` ago and the AI's draft
    (written as the AI's turn writes it) waits for a person to approve it."""
    async with sessions() as db, db.begin():
        await db.execute(
            update(Hotel).where(Hotel.id == world.aurora.id).values(ai_mode="draft", auto_return_minutes=1)
        )
    await guest_writes(server, world.aurora, "hook-a", "When is breakfast?")
    conversation = await conversation_of(sessions, world.aurora)
    async with await uow(sessions, settings, redis) as work:
        locked = await service.lock_conversation(work, world.aurora.id, conversation.id)
        trigger = await work.conversations.latest_guest_message(conversation.id)
        assert trigger is not None
        draft = await drafts.write_draft(
            work,
            locked,
            trigger_message_id=trigger,
            text="Breakfast is 7:00 to 10:30.",
            sources=[],
            why="mode",
        )
    await backdate(sessions, conversation.id, minutes)
    return conversation, draft


async def approve(
    sessions: Any,
    settings: Settings,
    redis: ArqRedis,
    world: World,
    conversation: Conversation,
    draft: AiDraft,
) -> None:
    async with await uow(sessions, settings, redis) as work:
        await drafts.approve_draft(work, world.aurora.id, conversation.id, draft.id, world.anna)


async def test_a_draft_left_unapproved_past_the_target_breaches_once_and_alerts_that_hotels_staff(
    server, world, sessions, settings, redis
) -> None:
    conversation, draft = await draft_waiting_at_aurora(server, world, sessions, settings, redis, minutes=7)
    anna = await signed_in(server, "anna@aurora.example")
    bob = await signed_in(server, "bob@borealis.example")
    try:
        async with live(server, anna) as anna_socket, live(server, bob) as bob_socket:
            await receive_until(anna_socket, 'id="inbox-list"')
            await receive_until(bob_socket, 'id="inbox-list"')
            tally = await run_timers(settings, redis)
            assert "breaches=1" in tally
            assert "handed_back=0" in tally, "auto-return never applies to a draft's wait"
            alert = await receive_until(anna_socket, "has waited")
            assert "Lucia has waited 7 min for a first reply, past the target" in alert
            assert f"/conversations/{conversation.id}" in alert
            assert not any("has waited" in f or "Lucia" in f for f in await frames_for_a_while(bob_socket))
            assert "breaches=0" in await run_timers(settings, redis)
            assert not any("has waited" in f for f in await frames_for_a_while(anna_socket))
    finally:
        await anna.aclose()
        await bob.aclose()
    [breach] = await breaches(sessions)
    assert (breach.hotel_id, breach.conversation_id, breach.kind, breach.target_minutes) == (
        world.aurora.id,
        conversation.id,
        "first_reply",
        5,
    )
    async with sessions() as db:
        guest_wrote = await db.scalar(
            text("SELECT created_at FROM messages WHERE id = :id"), {"id": draft.trigger_message_id}
        )
        kept = await db.get(AiDraft, draft.id)
    assert breach.waiting_since == guest_wrote, "the wait starts at the guest's message"
    assert breach.answered_at is None
    assert kept is not None
    assert kept.status == DraftStatus.PENDING.value
    assert (await conversation_of(sessions, world.aurora)).state is State.AI


async def test_approving_the_draft_closes_its_breach(server, world, sessions, settings, redis) -> None:
    conversation, draft = await draft_waiting_at_aurora(server, world, sessions, settings, redis, minutes=11)
    assert "breaches=1 escalated=1" in await run_timers(settings, redis)  # past twice the target too
    await approve(sessions, settings, redis, world, conversation, draft)
    [breach] = await breaches(sessions)
    assert breach.answered_at is not None
    assert breach.answered_by == world.anna
    assert "breaches=0" in await run_timers(settings, redis)


async def test_a_discarded_draft_breach_stays_open_until_a_staff_reply(
    server, world, sessions, settings, redis
) -> None:
    conversation, draft = await draft_waiting_at_aurora(server, world, sessions, settings, redis, minutes=7)
    await run_timers(settings, redis)
    async with await uow(sessions, settings, redis) as work:
        await drafts.discard_draft(work, world.aurora.id, conversation.id, draft.id, world.anna)
    [breach] = await breaches(sessions)
    assert breach.answered_at is None, "discarding answers nobody"
    async with await uow(sessions, settings, redis) as work:
        await service.send_staff_reply(
            work, world.aurora.id, conversation.id, world.anna, "Anna here: 7 to 10:30"
        )
    [breach] = await breaches(sessions)
    assert (breach.answered_at is not None, breach.answered_by) == (True, world.anna)


async def test_a_draft_approved_in_time_records_no_breach(server, world, sessions, settings, redis) -> None:
    conversation, draft = await draft_waiting_at_aurora(server, world, sessions, settings, redis, minutes=3)
    assert "breaches=0" in await run_timers(settings, redis)
    await approve(sessions, settings, redis, world, conversation, draft)
    await backdate(sessions, conversation.id, 30)  # long after, the answered guest waits for nothing
    assert "breaches=0" in await run_timers(settings, redis)
    assert await breaches(sessions) == []
