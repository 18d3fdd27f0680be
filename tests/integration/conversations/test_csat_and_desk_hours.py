"""CSAT and business hours through the whole product: web, workers, the Green API and LLM simulators
over real HTTP. The question once per resolve, the rating recorded and attributed, the AI left
asleep by it, a low rating's follow-up and comment for the managers; the closed desk's holding
message; the guest's next message the AI's again after an auto-return."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import select, text, update

from domain.conversations import service
from domain.conversations.models import Author, CsatSurvey, State
from domain.hotels.models import Hotel
from domain.staff.models import Role
from domain.uow import UnitOfWork
from jobs.services import provide_services
from jobs.worker import watch_waits
from tests.support.sockets import receive_until
from tests.support.stack import Stack, eventually, running_stack
from tests.support.web import PASSWORD, csrf_from, make_staff

QUESTION = "from 1 (poor) to 5 (excellent)"
FOLLOW_UP = "What went wrong?"
OTHER_GUEST = "491709999999@c.us"


@pytest.fixture
async def stack(settings: Any, sessions: Any) -> AsyncIterator[Stack]:
    async with running_stack(settings, sessions) as running:
        yield running


async def hotel_settings(stack: Stack, **values: Any) -> None:
    async with stack.sessions() as db, db.begin():
        await db.execute(update(Hotel).where(Hotel.id == stack.hotel.id).values(**values))


async def state_is(stack: Stack, state: State) -> bool:
    conversation = await stack.conversation_or_none()
    return conversation is not None and conversation.state is state


async def staff_does(stack: Stack, action: Any, *args: Any) -> Any:
    async with UnitOfWork(stack.sessions, await stack.dispatcher()) as uow:
        return await action(uow, stack.hotel.id, *args)


async def surveys(stack: Stack) -> list[CsatSurvey]:
    async with stack.sessions() as db:
        return list((await db.execute(select(CsatSurvey).order_by(CsatSurvey.asked_at))).scalars())


async def replies_with(stack: Stack, words: str, chat_id: str = "491701234567@c.us") -> list[str]:
    return [reply for reply in await stack.replies(chat_id) if words in reply]


def opening_in_three_hours() -> tuple[dict[str, Any], int]:
    opens = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=3)).hour
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return {day: [[f"{opens:02d}:00", f"{opens:02d}:30"]] for day in days}, opens


async def test_a_hand_off_out_of_hours_says_when_the_desk_opens(stack: Stack) -> None:
    hours, opens = opening_in_three_hours()
    await hotel_settings(stack, business_hours=hours, timezone="UTC")
    await stack.guest_writes("I want to talk to a person please")
    await eventually(lambda: state_is(stack, State.NEEDS_HUMAN))
    [closed] = await eventually(lambda: replies_with(stack, "answers from"))
    assert f"Our team answers from {opens}:00" in closed
    await stack.guest_writes("Ich möchte bitte mit jemandem reden", chat_id=OTHER_GUEST)
    [german] = await eventually(lambda: replies_with(stack, "antwortet ab", OTHER_GUEST))
    assert f"Unser Team antwortet ab {opens}:00" in german


async def test_a_hand_off_while_the_desk_is_open_says_nothing_of_hours(stack: Stack) -> None:
    await hotel_settings(stack, business_hours=None)
    await stack.guest_writes("I want to talk to a person please")
    await eventually(lambda: state_is(stack, State.NEEDS_HUMAN))
    await stack.workers.drain()
    assert await replies_with(stack, "answers from") == []
    assert len(await stack.replies()) == 1


async def test_the_guest_is_asked_once_and_the_rating_goes_to_who_replied_without_waking_the_ai(
    stack: Stack,
) -> None:
    mia = await make_staff(stack.sessions, stack.hotel.id, "mia@aurora.example", Role.AGENT, "Mia")
    await stack.guest_writes("I want to talk to a person please")
    await eventually(lambda: state_is(stack, State.NEEDS_HUMAN))
    conversation = await stack.conversation()
    await staff_does(stack, service.send_staff_reply, conversation.id, mia, "Hello, Mia here. All done!")
    await staff_does(stack, service.resolve, conversation.id, mia)
    [question] = await eventually(lambda: replies_with(stack, QUESTION))
    assert "Just reply with a number" in question
    # Resolved again the same day: not asked again.
    await staff_does(stack, service.reopen, conversation.id, mia)
    await staff_does(stack, service.resolve, conversation.id, mia)
    await stack.workers.drain()
    assert len(await replies_with(stack, QUESTION)) == 1
    [survey] = await surveys(stack)
    assert (survey.attributed_to, survey.staff_id, survey.language) == ("staff", mia, "en")
    asked_the_model = len(await stack.llm_requests())

    await stack.guest_writes("4/5")
    await eventually(lambda: _rated(stack))
    await stack.workers.drain()
    [survey] = await surveys(stack)
    assert survey.rating == 4
    assert survey.answered_at is not None
    assert (await stack.conversation()).state is State.RESOLVED, "a rating does not reopen"
    assert len(await stack.llm_requests()) == asked_the_model, "nor wake the AI"
    assert await replies_with(stack, FOLLOW_UP) == [], "a good rating needs no follow-up"
    stored = [m for m in await stack.messages() if m.author is Author.GUEST]
    assert stored[-1].text == "4/5", "the guest's message is stored like any other"


async def _rated(stack: Stack) -> bool:
    return any(s.rating is not None for s in await surveys(stack))


async def signed_in(stack: Stack, email: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=stack.web_url, timeout=10)
    page = await client.get("/login")
    response = await client.post(
        "/login", data={"email": email, "password": PASSWORD, "_csrf": csrf_from(page.text)}
    )
    assert response.status_code in (200, 303)
    return client


async def test_a_low_rating_of_the_ai_asks_what_went_wrong_and_the_managers_hear_it(stack: Stack) -> None:
    mia = await make_staff(stack.sessions, stack.hotel.id, "mia@aurora.example", Role.AGENT, "Mia")
    await make_staff(stack.sessions, stack.hotel.id, "max@aurora.example", Role.MANAGER, "Max")
    await stack.guest_writes("When is breakfast?")
    await eventually(stack.replies)
    conversation = await stack.conversation()
    await staff_does(stack, service.resolve, conversation.id, mia)
    await eventually(lambda: replies_with(stack, QUESTION))
    [survey] = await surveys(stack)
    assert (survey.attributed_to, survey.staff_id) == ("ai", None), "no person replied: the AI is rated"

    await stack.guest_writes("⭐⭐")
    [follow_up] = await eventually(lambda: replies_with(stack, FOLLOW_UP))
    assert "managers" in follow_up
    manager = await signed_in(stack, "max@aurora.example")
    try:
        cookies = "; ".join(f"{n}={v}" for n, v in manager.cookies.items())
        async with websockets.connect(
            stack.web_url.replace("http://", "ws://") + "/live",
            additional_headers={"Cookie": cookies, "Origin": stack.web_url},
        ) as socket:
            await receive_until(socket, 'id="inbox-list"')
            await stack.guest_writes("The room was cold <b>and</b> nobody came")
            alert = await receive_until(socket, "said what went wrong")
            assert "rated us 2/5" in alert
            assert 'href="/feedback"' in alert
        page = await manager.get("/feedback")
        assert page.status_code == 200
        assert "The room was cold &lt;b&gt;and&lt;/b&gt; nobody came" in page.text
        assert f"/conversations/{conversation.id}" in page.text
        assert "2/5" in page.text
    finally:
        await manager.aclose()
    [survey] = await surveys(stack)
    assert (survey.rating, survey.comment) == (2, "The room was cold <b>and</b> nobody came")
    await stack.workers.drain()
    assert (await stack.conversation()).state is State.RESOLVED


async def test_anything_but_a_rating_goes_on_as_a_normal_message(stack: Stack) -> None:
    mia = await make_staff(stack.sessions, stack.hotel.id, "mia@aurora.example", Role.AGENT, "Mia")
    await stack.guest_writes("When is breakfast?")
    await eventually(stack.replies)
    conversation = await stack.conversation()
    await staff_does(stack, service.resolve, conversation.id, mia)
    await eventually(lambda: replies_with(stack, QUESTION))
    before = len(await stack.replies())
    await stack.guest_writes("Is there parking?")
    await eventually(lambda: _more_replies(stack, before))
    assert (await stack.conversation()).state is State.AI, "reopened to the AI, which answered"
    [survey] = await surveys(stack)
    assert survey.rating is None


async def _more_replies(stack: Stack, than: int) -> bool:
    return len(await stack.replies()) > than


async def test_no_question_where_the_hotel_turned_csat_off(stack: Stack) -> None:
    await hotel_settings(stack, csat_enabled=False)
    mia = await make_staff(stack.sessions, stack.hotel.id, "mia@aurora.example", Role.AGENT, "Mia")
    await stack.guest_writes("When is breakfast?")
    await eventually(stack.replies)
    await staff_does(stack, service.resolve, (await stack.conversation()).id, mia)
    await stack.workers.drain()
    assert await replies_with(stack, QUESTION) == []
    assert await surveys(stack) == []


async def test_after_an_auto_return_the_guests_next_message_is_the_ais(stack: Stack) -> None:
    await hotel_settings(stack, auto_return_minutes=20)
    mia = await make_staff(stack.sessions, stack.hotel.id, "mia@aurora.example", Role.AGENT, "Mia")
    await stack.guest_writes("Hello")
    await eventually(stack.replies)
    conversation = await stack.conversation()
    await staff_does(stack, service.send_staff_reply, conversation.id, mia, "Hi, Mia here")
    async with stack.sessions() as db, db.begin():
        for table, key in (("state_transitions", "conversation_id"), ("messages", "conversation_id")):
            await db.execute(
                text(f"UPDATE {table} SET created_at = created_at - interval '21 minutes' WHERE {key} = :id"),
                {"id": conversation.id},
            )
    dispatcher = await stack.dispatcher()
    async with provide_services(stack.settings, dispatcher.redis) as services:
        assert "handed_back=1" in await watch_waits({"services": services})
    assert (await stack.conversation()).state is State.AI
    before = len(await stack.replies())
    await stack.guest_writes("When is breakfast?")
    await eventually(lambda: _more_replies(stack, before))
    ai = [m for m in await stack.messages() if m.author is Author.AI]
    assert ai, "the AI answered the guest's next message"
