"""The core loop with the real workers: guest → webhook → AI → outbox → Green API simulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from domain import events as live_events
from domain.conversations.models import Author, Delivery, State
from domain.conversations.service import take_over
from domain.service_requests.models import ServiceRequest
from domain.staff.models import StaffUser
from domain.uow import UnitOfWork
from tests.support.events import hotel_events
from tests.support.stack import Stack, eventually, running_stack


@pytest.fixture
async def stack(settings: Any, sessions: Any) -> AsyncIterator[Stack]:
    async with running_stack(settings, sessions) as running:
        yield running


async def test_guest_question_gets_an_answer_from_the_knowledge(stack: Stack) -> None:
    await stack.guest_writes("When is breakfast served?")
    [reply] = await eventually(stack.replies)
    assert "7:00" in reply
    assert "10:30" in reply
    assert "[kb:" not in reply
    stored = await stack.messages()
    ai = next(m for m in stored if m.author is Author.AI)
    assert ai.sources, "the AI reply records the knowledge entry it used"
    assert ai.provider_message_id
    await eventually(lambda: _status_of(stack, ai.id, Delivery.READ))
    assert (await stack.conversation()).state is State.AI


async def test_the_inbox_preview_stays_the_guests_words_after_the_ai_answers(stack: Stack) -> None:
    await stack.guest_writes("Is there parking?")
    [reply] = await eventually(stack.replies)
    assert "18 EUR" in reply
    conversation = await stack.conversation()
    assert conversation.last_message_preview == "Is there parking?"


async def _status_of(stack: Stack, message_id: Any, status: Delivery) -> bool:
    return any(m.id == message_id and m.status is status for m in await stack.messages())


async def test_reply_comes_in_the_guests_language(stack: Stack) -> None:
    await stack.guest_writes("Wann gibt es Frühstück?")
    [reply] = await eventually(stack.replies)
    assert "Gerne" in reply
    assert "7:00" in reply


async def test_a_burst_of_messages_gets_one_answer(stack: Stack) -> None:
    await stack.guest_writes("Hi!")
    await stack.guest_writes("Is there parking?")
    await eventually(stack.replies)
    await stack.workers.drain()
    replies = await stack.replies()
    assert len(replies) == 1
    assert "18 EUR" in replies[0]


async def test_asking_for_a_person_hands_off(stack: Stack) -> None:
    await stack.guest_writes("I want to talk to a person please")
    await eventually(lambda: _state_is(stack, State.NEEDS_HUMAN))
    conversation = await stack.conversation()
    assert conversation.handoff_reason == "guest_requested_human"
    assert conversation.needs_human_since is not None
    [reply] = await eventually(stack.replies)
    assert "team" in reply.lower()


async def _state_is(stack: Stack, state: State) -> bool:
    conversation = await stack.conversation_or_none()
    return conversation is not None and conversation.state is state


async def test_unknown_question_hands_off_instead_of_inventing(stack: Stack) -> None:
    await stack.guest_writes("Can I bring my helicopter and land it on the roof?")
    await eventually(lambda: _state_is(stack, State.NEEDS_HUMAN))
    assert (await stack.conversation()).handoff_reason == "not_in_knowledge"


async def test_towels_become_a_service_request(stack: Stack) -> None:
    await stack.guest_writes("Could you bring two fresh towels to room 312?")
    [reply] = await eventually(stack.replies)
    assert "housekeeping" in reply.lower()
    async with stack.sessions() as session:
        [request] = (await session.execute(select(ServiceRequest))).scalars().all()
    assert (request.category, request.room, request.status) == ("housekeeping", "312", "open")


async def test_a_request_the_ai_opens_reaches_the_live_requests_board(stack: Stack) -> None:
    """The board re-reads only on a service-request event; the AI's own request must send one."""
    redis = Redis.from_url(stack.settings.redis_url)
    feed = await hotel_events(redis, stack.settings.redis_prefix, stack.hotel.id)
    try:
        await stack.guest_writes("Could you bring two fresh towels to room 312?")
        await eventually(stack.replies)
        # The events went out when the turn committed, before the reply was sent.
        changed = [e for e in await feed.drain() if isinstance(e, live_events.ServiceRequestChanged)]
        assert [(e.status, e.conversation_id) for e in changed] == [("open", (await stack.conversation()).id)]
    finally:
        await feed.aclose()
        await redis.aclose()


async def test_duplicate_webhook_three_times_gives_one_message_and_one_reply(stack: Stack) -> None:
    response = await stack.http.post(
        f"{stack.green_url}/sim/duplicates",
        json={"idInstance": stack.hotel.green_api_instance_id, "count": 1, "times": 3},
    )
    response.raise_for_status()
    await stack.guest_writes("What is the wifi password?")
    await eventually(stack.replies)
    await asyncio.sleep(1.0)
    assert len(await stack.replies()) == 1
    guest_messages = [m for m in await stack.messages() if m.author is Author.GUEST]
    assert len(guest_messages) == 1
    incoming = [d for d in await stack.deliveries() if d.get("typeWebhook") == "incomingMessageReceived"]
    assert len(incoming) >= 3, "the simulator really delivered the webhook three times"


async def test_green_api_429_then_200_sends_exactly_once(stack: Stack) -> None:
    await stack.green_fault("sendMessage", "429", count=1)
    await stack.guest_writes("Where can I park?")
    await eventually(stack.replies)
    await stack.workers.drain()
    assert len(await stack.replies()) == 1
    ai = next(m for m in await stack.messages() if m.author is Author.AI)
    assert ai.attempts == 2
    assert ai.status in (Delivery.SENT, Delivery.DELIVERED, Delivery.READ)


async def test_green_api_permanent_error_marks_the_message_failed(stack: Stack) -> None:
    await stack.green_fault("sendMessage", "466", count=-1)
    await stack.guest_writes("When is check-out?")
    failed = await eventually(lambda: _failed(stack))
    assert "466" in (failed.error or "")
    assert await stack.replies() == []


async def _failed(stack: Stack) -> Any:
    return next((m for m in await stack.messages() if m.status is Delivery.FAILED), None)


async def test_llm_failing_every_try_hands_off_with_a_holding_message(stack: Stack) -> None:
    await stack.llm_fault("503", count=-1)
    await stack.guest_writes("Is the spa open today?")
    await eventually(lambda: _state_is(stack, State.NEEDS_HUMAN), timeout=15)
    conversation = await stack.conversation()
    assert conversation.handoff_reason == "ai_failure"
    [reply] = await eventually(stack.replies)
    assert "team" in reply.lower()
    assert len(await stack.llm_requests()) == 3, "three tries, then the hand-off"


async def test_human_taking_over_while_the_ai_thinks_gives_no_ai_message(stack: Stack) -> None:
    await stack.http.post(f"{stack.llm_url}/sim/latency", json={"ms": 1500})
    await stack.guest_writes("When is breakfast?")
    await eventually(stack.llm_requests)  # the model is now thinking
    async with stack.sessions() as session, session.begin():
        staff = StaffUser(
            email="mia@aurora.example", name="Mia", is_active=True, is_superuser=False, language="en"
        )
        session.add(staff)
    conversation = await stack.conversation()
    async with UnitOfWork(stack.sessions, await stack.dispatcher()) as uow:
        await take_over(uow, stack.hotel.id, conversation.id, staff.id)
    await asyncio.sleep(2.5)
    assert [m for m in await stack.messages() if m.author is Author.AI] == []
    assert await stack.replies() == []
    assert (await stack.conversation()).state is State.HUMAN
