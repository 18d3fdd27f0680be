# ruff: noqa: RUF001  (guest messages in Arabic and Chinese)
"""Guests in their own language, through the real path: webhook -> worker (lingua) -> LLM simulator
-> outbox -> Green API simulator; the resend request from the web process; staff drafts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from domain.conversations import guest_texts
from domain.conversations.models import State
from domain.conversations.service import hand_back, take_over
from domain.guests.models import Guest
from domain.staff.models import Role
from domain.uow import UnitOfWork
from tests.support.stack import Stack, eventually, running_stack
from tests.support.web import make_staff, sign_in


@pytest.fixture
async def stack(settings: Any, sessions: Any) -> AsyncIterator[Stack]:
    async with running_stack(settings, sessions) as running:
        yield running


async def replies_after(stack: Stack, count: int) -> list[str]:
    """What the guest's phone received, once there are more than ``count`` messages."""
    return await eventually(lambda: _more_than(stack, count))


async def _more_than(stack: Stack, count: int) -> list[str]:
    replies = await stack.replies()
    return replies if len(replies) > count else []


async def stored_language(stack: Stack) -> str | None:
    async with stack.sessions() as session:
        return (await session.execute(select(Guest.language))).scalar_one()


async def state_is(stack: Stack, state: State) -> bool:
    conversation = await stack.conversation_or_none()
    return conversation is not None and conversation.state is state


async def staff_member(stack: Stack, name: str = "Anna Berger") -> Any:
    return await make_staff(stack.sessions, stack.hotel.id, "anna@aurora.example", Role.AGENT, name)


#: language, a question, the simulator's lead-in, asking for a person, its hand-off, a follow-up
STAYS = [
    (
        "it",
        "A che ora è la colazione?",
        "Ecco le informazioni:",
        "Vorrei parlare con una persona, per favore.",
        "La metto in contatto con il nostro team",
        "E il parcheggio?",
    ),
    (
        "pt",
        "A que horas é o pequeno-almoço?",
        "Com todo o gosto:",
        "Queria falar com uma pessoa, por favor.",
        "Vou passar a conversa a um colega",
        "E o estacionamento?",
    ),
    (
        "tr",
        "Kahvaltı saat kaçta?",
        "Tabii, bilgiler şöyle:",
        "Bir yetkiliyle görüşmek istiyorum.",
        "Sizi ekibimize bağlıyorum",
        "Otopark var mı?",
    ),
    (
        "ar",
        "متى يتم تقديم الإفطار؟",
        "بكل سرور:",
        "أريد التحدث مع موظف من فضلك.",
        "سأحيلك إلى فريقنا",
        "هل يوجد موقف سيارات؟",
    ),
    (
        "zh",
        "早餐几点开始？",
        "好的，以下是相关信息：",
        "我想和人工客服说话。",
        "正在为您转接我们的团队",
        "有停车场吗？",
    ),
]


@pytest.mark.parametrize(
    ("language", "question", "lead_in", "ask_for_person", "hand_off", "follow_up"),
    STAYS,
    ids=[row[0] for row in STAYS],
)
async def test_answer_hand_off_and_holding_message_come_in_the_guests_language(
    stack: Stack,
    language: str,
    question: str,
    lead_in: str,
    ask_for_person: str,
    hand_off: str,
    follow_up: str,
) -> None:
    await stack.guest_writes(question)
    [answer] = await replies_after(stack, 0)
    assert answer.startswith(lead_in)
    assert "7:00" in answer
    assert await stored_language(stack) == language

    await stack.guest_writes(ask_for_person)
    replies = await replies_after(stack, 1)
    assert hand_off in replies[1]
    assert await state_is(stack, State.NEEDS_HUMAN)

    staff_id = await staff_member(stack)
    conversation = await stack.conversation()
    async with UnitOfWork(stack.sessions, await stack.dispatcher()) as uow:
        await take_over(uow, stack.hotel.id, conversation.id, staff_id)  # a person picks it up,
    async with UnitOfWork(stack.sessions, await stack.dispatcher()) as uow:
        await hand_back(uow, stack.hotel.id, conversation.id, staff_id)  # then gives it back
    await stack.llm_fault("503", count=-1)
    await stack.guest_writes(follow_up)
    replies = await replies_after(stack, 2)
    assert replies[2] == guest_texts.HOLDING[language]
    assert (await stack.conversation()).handoff_reason == "ai_failure"
    assert await stored_language(stack) == language


async def test_ok_and_a_thumbs_up_keep_the_guests_language(stack: Stack) -> None:
    await stack.guest_writes("A che ora è la colazione?")
    await replies_after(stack, 0)

    await stack.guest_writes("ok 👍")
    replies = await replies_after(stack, 1)

    assert replies[1] == "Prego! Posso fare altro per lei?"
    assert await stored_language(stack) == "it"


async def test_a_shared_location_says_nothing_about_the_guests_language(stack: Stack) -> None:
    await stack.guest_writes("A che ora è la colazione?")
    await replies_after(stack, 0)

    await stack.guest_writes(
        "",
        typeMessage="locationMessage",
        nameLocation="Brandenburger Tor",
        latitude=52.5163,
        longitude=13.3777,
    )

    replies = await replies_after(stack, 1)
    assert "La metto in contatto con il nostro team" in replies[1]
    assert await stored_language(stack) == "it"


async def test_a_guest_in_a_language_we_have_no_texts_for_gets_english(stack: Stack) -> None:
    await stack.llm_fault("503", count=-1)

    await stack.guest_writes("Hej! När serveras frukosten?")

    [holding] = await replies_after(stack, 0)
    assert holding == guest_texts.HOLDING["en"]
    assert await stored_language(stack) == "sv", "staff still see the guest writes Swedish"


async def test_a_hand_off_the_model_does_not_announce_is_announced_in_the_guests_language(
    stack: Stack,
) -> None:
    # The model hands off, then answers every tool result with the same tool call: the turn ends
    # after its last round with a hand-off and not a word from the model for the guest.
    await stack.llm_fault("tool_loop", count=-1)

    await stack.guest_writes("Vorrei parlare con una persona, per favore.")

    [reply] = await replies_after(stack, 0)
    assert reply == guest_texts.HAND_OFF["it"]
    assert (await stack.conversation()).handoff_reason == "guest_requested_human"


async def test_the_resend_request_uses_the_language_the_worker_recorded(stack: Stack) -> None:
    await stack.guest_writes("Kahvaltı saat kaçta?")
    await replies_after(stack, 0)

    await stack.guest_writes("{{SWE001}}")  # WhatsApp could not decrypt the guest's message

    replies = await replies_after(stack, 1)
    assert replies[1] == guest_texts.RESEND_PLEASE["tr"]


async def _stored(stack: Stack, text: str) -> bool:
    return any(message.text == text for message in await stack.messages())


async def draft(http: httpx.AsyncClient, csrf: str, conversation_id: Any) -> str:
    response = await http.post(
        f"/conversations/{conversation_id}/suggest", headers={"X-CSRF-Token": csrf, "HX-Request": "true"}
    )
    assert response.status_code == 200, response.text
    return response.text


async def test_a_draft_speaks_as_the_staff_member_in_the_guests_language(stack: Stack) -> None:
    await staff_member(stack)
    await stack.guest_writes("A che ora è la colazione?")
    await replies_after(stack, 0)
    await stack.guest_writes("Vorrei parlare con una persona, per favore.")
    await eventually(lambda: state_is(stack, State.NEEDS_HUMAN))
    conversation = await stack.conversation()

    async with httpx.AsyncClient(base_url=stack.web_url) as http:
        csrf = await sign_in(http, "anna@aurora.example")  # type: ignore[arg-type]
        answering_the_request = await draft(http, csrf, conversation.id)
        await stack.guest_writes("👍")
        await eventually(lambda: _stored(stack, "👍"))
        answering_a_thumbs_up = await draft(http, csrf, conversation.id)

    assert "Certo, sono qui. Come posso aiutarla?\n\nCordiali saluti, Anna Berger" in answering_the_request
    assert "collega" not in answering_the_request, "the writer is the colleague, not the one handing off"
    assert "Prego! Posso fare altro per lei?\n\nCordiali saluti, Anna Berger" in answering_a_thumbs_up
    # The draft replaces the reply box: saved-reply shortcuts there still follow the guest's language.
    assert 'data-guest-language="it"' in answering_the_request
