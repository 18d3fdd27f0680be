"""Guests whose WhatsApp chat id is ``…@lid`` (docs/external-apis.md §A9), through the real web app,
the real workers and the Green API simulator, over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis
from sqlalchemy import func, select, update

from domain.conversations.models import Author, Conversation, Delivery, Direction, Message, State
from domain.conversations.service import take_over
from domain.guests.models import Guest
from domain.hotels.models import Hotel
from domain.ports import SEND_QUEUE
from domain.staff.models import StaffUser
from domain.uow import UnitOfWork
from tests.support.factories import incoming, make_hotel, status
from tests.support.stack import GUEST, GUEST_LID, Stack, eventually, running_stack
from web.app import create_app


@pytest.fixture
async def stack(settings: Any, sessions: Any) -> AsyncIterator[Stack]:
    async with running_stack(settings, sessions) as running:
        yield running


async def guests(stack: Stack) -> list[Guest]:
    async with stack.sessions() as session:
        return list((await session.execute(select(Guest).order_by(Guest.created_at))).scalars())


async def conversations(stack: Stack) -> list[Conversation]:
    async with stack.sessions() as session:
        return list((await session.execute(select(Conversation))).scalars())


async def _ai_read(stack: Stack) -> Message | None:
    return next(
        (m for m in await stack.messages() if m.author is Author.AI and m.status is Delivery.READ), None
    )


async def test_a_guest_writing_from_a_lid_gets_the_ai_answer(stack: Stack) -> None:
    await stack.guest_writes("When is breakfast served?", chat_id=GUEST_LID)
    [reply] = await eventually(lambda: stack.replies(GUEST_LID))
    assert "7:00" in reply
    ai = await eventually(lambda: _ai_read(stack))
    assert ai.chat_id == GUEST_LID, "answered at the id they wrote from"
    [guest] = await guests(stack)
    assert (guest.chat_id, guest.alt_chat_id, guest.phone) == (GUEST_LID, None, GUEST_LID)
    assert guest.phone_number is None, "a lid is not a phone number"
    checked = await eventually(lambda: _checked(stack))
    assert checked.alt_chat_id is None, "nothing tells a lid's number"


async def _checked(stack: Stack) -> Guest | None:
    return next((g for g in await guests(stack) if g.ids_checked_at is not None), None)


async def test_written_as_c_us_answered_and_ticked_as_lid_stays_one_conversation(stack: Stack) -> None:
    """green-api/issues #1018: the guest writes from their number; the echo, the statuses and the
    journal of our answer name their lid."""
    await stack.contact()
    await stack.guest_writes("Is there parking?")
    [reply] = await eventually(stack.replies)
    assert "18 EUR" in reply
    ai = await eventually(lambda: _ai_read(stack))
    assert ai.chat_id == GUEST
    assert ai.provider_message_id
    await asyncio.sleep(0.5)  # room for any stray echo or status to create something it should not
    [guest] = await guests(stack)
    assert (guest.chat_id, guest.alt_chat_id, guest.phone) == (GUEST, GUEST_LID, "+491701234567")
    assert len(await conversations(stack)) == 1
    stored = await stack.messages()
    assert [m.author for m in stored] == [Author.GUEST, Author.AI], "the echo is not a second message"
    assert len(await stack.replies()) == 1


async def test_a_retry_finds_the_first_send_in_the_journal_under_the_lid(
    settings: Any, sessions: Any
) -> None:
    # The worker's read timeout is 0.75 x the send timeout: the slow answer below outlasts it.
    async with running_stack(settings.model_copy(update={"send_timeout_seconds": 2}), sessions) as stack:
        instance = stack.hotel.green_api_instance_id
        await stack.http.post(
            f"{stack.green_url}/waInstance{instance}/setSettings/api-secret",
            json={"outgoingAPIMessageWebhook": "no"},  # no echo: only the journal can tell
        )
        await stack.contact()
        await stack.green_fault("sendMessage", "slow", count=1, delay=3)
        await stack.guest_writes("When is check-out?")
        sent = await eventually(lambda: _sent(stack), timeout=20)
        [outgoing] = [m for m in await stack.chat() if m["direction"] == "outgoing"]
        assert sent.provider_message_id == outgoing["idMessage"], "adopted from the journal"
        assert sent.attempts == 2
        await stack.workers.drain()
        assert len(await stack.replies()) == 1, "not sent a second time"


async def _sent(stack: Stack) -> Message | None:
    return next((m for m in await stack.messages() if m.author is Author.AI and m.provider_message_id), None)


async def _one_guest(stack: Stack) -> Guest | None:
    found = await guests(stack)
    return found[0] if len(found) == 1 and found[0].alt_chat_id else None


async def ai_off(stack: Stack) -> None:
    """No answer, so no echo of one: only the link job can learn the lid."""
    async with stack.sessions() as session, session.begin():
        await session.execute(update(Hotel).where(Hotel.id == stack.hotel.id).values(ai_enabled=False))


async def test_check_whatsapp_failing_for_a_while_is_tried_again(stack: Stack) -> None:
    await ai_off(stack)
    await stack.contact()
    await stack.green_fault("checkWhatsapp", "502", count=2)
    await stack.guest_writes("Hello")
    guest = await eventually(lambda: _one_guest(stack))
    assert guest.alt_chat_id == GUEST_LID


async def test_a_lost_link_job_is_made_good_by_the_sweep(settings: Any, sessions: Any) -> None:
    async with running_stack(settings, sessions, start_workers=False) as stack:
        await ai_off(stack)
        await stack.contact()
        await stack.guest_writes("Hello")
        await eventually(lambda: guests(stack))
        await forget_link_jobs(settings)
        await asyncio.sleep(2.1)  # the sweep leaves alone what a job may still be doing
        await stack.workers.drain()
        guest = await _one_guest(stack)
        assert guest.alt_chat_id == GUEST_LID


async def forget_link_jobs(settings: Any) -> None:
    """As if Redis lost them: what is left is the rows."""
    redis = Redis.from_url(settings.redis_url)
    try:
        await redis.delete(f"{settings.redis_prefix}{SEND_QUEUE}")
        async for key in redis.scan_iter("arq:job:link:*"):
            await redis.delete(key)
    finally:
        await redis.aclose()


async def test_a_guest_of_before_lids_is_joined_by_the_echo_of_our_answer(
    settings: Any, sessions: Any
) -> None:
    """A guest the migration left unasked writes again from their lid: two guests, until Green API
    names our answer to the first one by the second one's lid."""
    async with running_stack(settings, sessions, start_workers=False) as stack:
        await stack.contact()
        await stack.guest_writes("Is there parking?")
        await eventually(lambda: guests(stack))
        await forget_link_jobs(settings)
        async with stack.sessions() as session, session.begin():  # as the migration leaves them
            await session.execute(update(Guest).values(ids_checked_at=func.now()))
        await stack.guest_writes("Hello again", chat_id=GUEST_LID)
        await eventually(lambda: _guest_count(stack, 2))
        await stack.workers.start()
        guest = await eventually(lambda: _one_guest(stack))
        assert {guest.chat_id, guest.alt_chat_id} == {GUEST, GUEST_LID}
        await eventually(lambda: _ai_count(stack, 2))
        stored = await stack.messages()
        assert Author.STAFF not in {m.author for m in stored}, "an echo is never a staff message"
        assert len({m.conversation_id for m in stored}) == 1


async def _guest_count(stack: Stack, count: int) -> bool:
    return len(await guests(stack)) == count


async def _ai_count(stack: Stack, count: int) -> bool:
    return len([m for m in await stack.messages() if m.author is Author.AI]) >= count


async def test_one_person_who_wrote_from_their_lid_then_their_number_is_one_guest(stack: Stack) -> None:
    await stack.contact()
    await stack.guest_writes("Hi, Lucia here", chat_id=GUEST_LID)
    await eventually(lambda: stack.replies(GUEST_LID))
    await stack.guest_writes("When is breakfast?", chat_id=GUEST)
    guest = await eventually(lambda: _one_guest(stack))
    assert (guest.chat_id, guest.alt_chat_id, guest.phone) == (GUEST_LID, GUEST, "+491701234567")
    [conversation] = await conversations(stack)
    assert conversation.guest_id == guest.id
    guest_messages = [m for m in await stack.messages() if m.author is Author.GUEST]
    assert {m.chat_id for m in guest_messages} == {GUEST_LID, GUEST}
    assert {m.conversation_id for m in await stack.messages()} == {conversation.id}


async def test_a_linked_guest_writing_from_the_other_id_lands_in_the_same_conversation(stack: Stack) -> None:
    await stack.contact()
    await stack.guest_writes("Hello")
    guest = await eventually(lambda: _one_guest(stack))
    assert guest.alt_chat_id == GUEST_LID, "checkWhatsapp told the lid"
    await stack.guest_writes("When is breakfast?", chat_id=GUEST_LID)
    await eventually(lambda: _guest_messages(stack, 2))
    assert len(await guests(stack)) == 1
    assert len({m.conversation_id for m in await stack.messages()}) == 1


async def _guest_messages(stack: Stack, count: int) -> bool:
    return len([m for m in await stack.messages() if m.author is Author.GUEST]) >= count


async def test_the_number_in_a_lid_webhook_joins_the_guest_known_by_it(stack: Stack) -> None:
    await stack.guest_writes("Hello from my number")  # not a contact yet: no lid to learn
    await eventually(stack.replies)
    await stack.contact()
    await stack.guest_writes("Now from my lid", chat_id=GUEST_LID, withSenderPhoneNumber=True)
    await eventually(lambda: _guest_messages(stack, 2))
    assert len({m.conversation_id for m in await stack.messages()}) == 1, "on the webhook's path"
    guest = await eventually(lambda: _one_guest(stack))
    assert (guest.chat_id, guest.alt_chat_id) == (GUEST, GUEST_LID)


async def test_a_merge_leaves_a_conversation_in_the_hands_of_the_staff_member(stack: Stack) -> None:
    await stack.contact()
    await stack.guest_writes("I need a person", chat_id=GUEST_LID)
    await eventually(stack.conversation_or_none)
    async with stack.sessions() as session, session.begin():
        staff = StaffUser(
            email="mia@aurora.example", name="Mia", is_active=True, is_superuser=False, language="en"
        )
        session.add(staff)
    async with UnitOfWork(stack.sessions, await stack.dispatcher()) as uow:
        await take_over(uow, stack.hotel.id, (await stack.conversation()).id, staff.id)
    await stack.guest_writes("Are you there?", chat_id=GUEST)
    await eventually(lambda: _one_guest(stack))
    [conversation] = await conversations(stack)
    assert (conversation.state, conversation.assigned_staff_id) == (State.HUMAN, staff.id)


async def test_an_echo_and_a_status_under_a_lid_not_linked_yet_find_our_send(
    settings: Any, sessions: Any
) -> None:
    """Before the worker learnt the lid: the idMessage Green API gave our send names the guest."""
    hotel = await make_hotel(sessions, webhook_token="hook-a")
    headers = {"Authorization": "Bearer hook-a"}
    iid = hotel.green_api_instance_id
    async with AsyncTestClient(app=create_app(settings)) as client:
        await client.post(
            "/webhooks/green-api", json=incoming(iid, text="Hi", chat_id=GUEST), headers=headers
        )
        [guest_message] = await _all_messages(sessions)
        async with sessions() as session, session.begin():
            session.add(_our_send(guest_message, "OURS0001"))
        echo = incoming(
            iid, text="Welcome!", chat_id=GUEST_LID, id_message="OURS0001", kind="outgoingAPIMessageReceived"
        )
        for body in (echo, status(iid, "OURS0001", "delivered", chat_id=GUEST_LID)):
            assert (await client.post("/webhooks/green-api", json=body, headers=headers)).status_code == 200
    stored = await _all_messages(sessions)
    assert [(m.author, m.status) for m in stored] == [
        (Author.GUEST, Delivery.RECEIVED),
        (Author.AI, Delivery.DELIVERED),
    ]
    async with sessions() as session:
        assert len((await session.execute(select(Guest))).scalars().all()) == 1, "no guest made of the lid"
    redis = Redis.from_url(settings.redis_url)
    try:
        queued = await redis.zrange(f"{settings.redis_prefix}{SEND_QUEUE}", 0, -1)
    finally:
        await redis.aclose()
    guest_id = (await _guest_of(sessions, guest_message)).id
    assert f"link:{guest_id}:{GUEST_LID}".encode() in queued, "the worker is asked to link the lid"


async def _all_messages(sessions: Any) -> list[Message]:
    async with sessions() as session:
        return list((await session.execute(select(Message).order_by(Message.created_at))).scalars())


async def _guest_of(sessions: Any, message: Message) -> Guest:
    async with sessions() as session:
        return (
            await session.execute(
                select(Guest)
                .join(Conversation, Conversation.guest_id == Guest.id)
                .where(Conversation.id == message.conversation_id)
            )
        ).scalar_one()


def _our_send(guest_message: Message, id_message: str) -> Message:
    return Message(
        hotel_id=guest_message.hotel_id,
        conversation_id=guest_message.conversation_id,
        chat_id=guest_message.chat_id,
        direction=Direction.OUT,
        author=Author.AI,
        type_message="textMessage",
        text="Welcome!",
        status=Delivery.SENT,
        provider_message_id=id_message,
        sources=[],
        details={},
        attempts=1,
    )


async def test_an_echo_under_a_lid_that_is_not_ours_is_kept_after_a_second_look(stack: Stack) -> None:
    echo = incoming(
        stack.hotel.green_api_instance_id,
        text="Sent by another API client",
        chat_id=GUEST_LID,
        id_message="NOTOURS0001",
        kind="outgoingAPIMessageReceived",
    )
    response = await stack.http.post(
        f"{stack.web_url}/webhooks/green-api", json=echo, headers={"Authorization": "Bearer hook-secret"}
    )
    assert response.status_code == 200
    assert await stack.messages() == [], "not yet: it may be a send of ours the send job has not stored"
    kept = await eventually(stack.messages)
    assert [(m.author, m.chat_id, m.details) for m in kept] == [(Author.STAFF, GUEST_LID, {"via": "api"})]
