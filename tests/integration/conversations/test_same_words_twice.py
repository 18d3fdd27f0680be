"""Two of our messages with the same words in one chat (a guest asks twice, the AI answers the
same twice): Green API's journal and echoes match our rows by chat and text, so a send can be taken
by the wrong row. Each row must still end with a send of its own, and none is sent twice. Found by
bench/soak.py: a row whose send another row had taken failed its job forever, and the guest never
got the second answer. Real PostgreSQL, Redis and the Green API simulator over HTTP."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from domain.conversations import outbox
from domain.conversations.models import Author, Delivery, Direction, Message
from domain.conversations.outbox import OutboxDeps, SendOutcome, send_queued_message
from domain.hotels.models import Hotel
from domain.integrations.green_api import HttpGreenApi
from tests.support.stack import GUEST, Stack, eventually, running_stack

WORDS = "I've passed your request to our maintenance team."


@pytest.fixture
async def stack(settings: Any, sessions: Any) -> AsyncIterator[Stack]:
    async with running_stack(settings, sessions, start_workers=False) as running:
        async with running.sessions() as session, session.begin():
            await session.execute(update(Hotel).where(Hotel.id == running.hotel.id).values(ai_enabled=False))
        yield running


@pytest.fixture
async def deps(stack: Stack) -> AsyncIterator[OutboxDeps]:
    async with httpx.AsyncClient(timeout=5) as http:
        yield OutboxDeps(stack.sessions, await stack.dispatcher(), HttpGreenApi(http), stack.green_url)


async def two_answers(stack: Stack) -> tuple[uuid.UUID, uuid.UUID]:
    """The guest's conversation with two AI messages of the same words, both queued."""
    await stack.guest_writes("The air conditioning is broken")
    conversation = await eventually(stack.conversation_or_none)
    now = datetime.datetime.now(datetime.UTC)
    ids = (uuid.uuid4(), uuid.uuid4())
    async with stack.sessions() as session, session.begin():
        for n, message_id in enumerate(ids):
            session.add(
                Message(
                    id=message_id,
                    hotel_id=stack.hotel.id,
                    conversation_id=conversation.id,
                    chat_id=GUEST,
                    direction=Direction.OUT,
                    author=Author.AI,
                    type_message="textMessage",
                    text=WORDS,
                    status=Delivery.QUEUED,
                    created_at=now + datetime.timedelta(milliseconds=n),
                )
            )
    return ids


async def row(stack: Stack, message_id: uuid.UUID) -> Message:
    async with stack.sessions() as session:
        return (await session.execute(select(Message).where(Message.id == message_id))).scalar_one()


async def test_a_retry_does_not_take_the_send_of_another_message_with_the_same_words(
    stack: Stack, deps: OutboxDeps
) -> None:
    first, second = await two_answers(stack)
    # The first one's attempt may have reached Green API (a timeout): it is uncertain.
    async with stack.sessions() as session, session.begin():
        await session.execute(
            update(Message)
            .where(Message.id == first)
            .values(status=Delivery.SENDING, send_started_at=datetime.datetime.now(datetime.UTC))
        )
    assert await send_queued_message(deps, second, final_attempt=False) is SendOutcome.SENT
    # The journal shows the second one's send, in the same chat and words: not the first one's.
    assert await send_queued_message(deps, first, final_attempt=False) is SendOutcome.SENT
    a, b = await row(stack, first), await row(stack, second)
    assert a.status is b.status is Delivery.SENT
    assert a.provider_message_id
    assert b.provider_message_id
    assert a.provider_message_id != b.provider_message_id
    assert await stack.replies() == [WORDS, WORDS], "the guest got both answers, each once"


async def test_a_send_taken_by_the_echo_of_the_same_words_is_given_back(
    stack: Stack, deps: OutboxDeps
) -> None:
    first, second = await two_answers(stack)
    # The echo of the second one's send matched the first by its words, and took its id.
    taken = "BAE5" + uuid.uuid4().hex[:28].upper()
    async with stack.sessions() as session, session.begin():
        await session.execute(
            update(Message).where(Message.id == first).values(status=Delivery.SENT, provider_message_id=taken)
        )
    message = await row(stack, second)
    await outbox._finish(deps, message, status=Delivery.SENT, id_message=taken)  # the send's own answer
    a, b = await row(stack, first), await row(stack, second)
    assert (b.provider_message_id, b.status) == (taken, Delivery.SENT)
    assert (a.provider_message_id, a.status) == (None, Delivery.SENDING), "given back, to be looked up"
    # Its own send is looked up in the journal (not there) and made.
    assert await send_queued_message(deps, first, final_attempt=False) is SendOutcome.SENT
    assert (await row(stack, first)).provider_message_id not in (None, taken)
    assert await stack.replies() == [WORDS]
