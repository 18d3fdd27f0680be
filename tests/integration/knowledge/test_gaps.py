"""Knowledge gaps: what the AI handed off for want of knowledge, grouped, until an entry answers it."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
from sqlalchemy import select

from domain.conversations.models import Conversation, State
from domain.conversations.service import hand_off, lock_conversation
from domain.settings import Settings
from domain.staff.models import Role
from domain.uow import UnitOfWork
from tests.support.factories import incoming
from tests.support.stack import eventually, running_stack
from tests.support.web import make_staff, sign_in

ALEX = "alex@aurora.example"
BELLA = "bella@borealis.example"


async def guest_asks(
    client: Any, sessions: Any, hotel: Any, token: str, chat: str, text: str
) -> Conversation:
    """A guest's message through the webhook, as Green API delivers it."""
    body = incoming(hotel.green_api_instance_id, text=text, chat_id=chat)
    answer = await client.post("/webhooks/green-api", json=body, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    async with sessions() as db:
        rows = await db.execute(select(Conversation).where(Conversation.hotel_id == hotel.id))
        return next(c for c in rows.scalars() if c.state is State.AI and c.ai_pending_since is not None)


async def ai_hands_off(sessions: Any, conversation: Conversation, reason: str = "not_in_knowledge") -> None:
    """What the AI turn does when the model calls hand_off_to_staff (domain/assistant/service.py)."""
    async with UnitOfWork(sessions, _NoDispatch()) as uow:
        locked = await lock_conversation(uow, conversation.hotel_id, conversation.id)
        locked.ai_pending_since = None
        await hand_off(uow, locked, reason=reason, summary="asked something the knowledge lacks")


class _NoDispatch:
    async def enqueue(self, jobs: Any) -> None:
        return None

    async def publish(self, events: Any) -> None:
        return None


def gap_rows(html: str) -> list[str]:
    return re.findall(
        r'<td class="kb-question">(.*?)</td>\s*<td>(\d+)\N{MULTIPLICATION SIGN}</td>', html, re.S
    )


async def test_handed_off_questions_are_grouped_newest_first(client, world, sessions) -> None:
    hotel = world.aurora
    for chat, text, reason in (
        ("491700000001@c.us", "Do you have a casino?", "not_in_knowledge"),
        ("491700000002@c.us", "Can I borrow a bicycle?", "not_in_knowledge"),
        ("491700000003@c.us", "I want to speak to a manager", "guest_requested_human"),
        ("491700000004@c.us", "can i BORROW bicycles??", "not_in_knowledge"),
    ):
        conversation = await guest_asks(client, sessions, hotel, "hook-a", chat, text)
        await ai_hands_off(sessions, conversation, reason)
    await sign_in(client, ALEX)
    page = await client.get("/admin/knowledge/gaps")
    assert page.status_code == 200
    assert gap_rows(page.text) == [("can i BORROW bicycles??", "2"), ("Do you have a casino?", "1")]
    assert "speak to a manager" not in page.text, "only hand-offs for want of knowledge are gaps"


async def test_writing_the_missing_entry_resolves_the_gap(client, world, sessions) -> None:
    conversation = await guest_asks(
        client, sessions, world.aurora, "hook-a", "491700000001@c.us", "Is there a casino?"
    )
    await ai_hands_off(sessions, conversation)
    csrf = await sign_in(client, ALEX)
    page = await client.get("/admin/knowledge/gaps")
    link = re.search(r'href="(/admin/knowledge/new\?[^"]+)"', page.text)
    assert link, page.text
    url = link.group(1).replace("&amp;", "&")
    prefilled = await client.get(url)
    assert prefilled.status_code == 200
    assert 'value="Is there a casino?"' in prefilled.text
    gap = parse_qs(urlparse(url).query)["gap"][0]
    saved = await client.post(
        "/admin/knowledge",
        data={
            "_csrf": csrf, "title": "Is there a casino?", "body": "No casino here.",
            "language": "en", "gap": gap,
        },
    )  # fmt: skip
    assert saved.status_code == 303
    assert saved.headers["location"] == "/admin/knowledge/gaps?written=1"
    after = await client.get("/admin/knowledge/gaps?written=1")
    assert "Entry saved" in after.text
    assert gap_rows(after.text) == []
    assert "Is there a casino?" in (await client.get("/admin/knowledge")).text

    # Asked again and handed off again (the entry did not answer it): a gap again.
    again = await guest_asks(
        client, sessions, world.aurora, "hook-a", "491700000009@c.us", "is there a Casino"
    )
    await ai_hands_off(sessions, again)
    assert gap_rows((await client.get("/admin/knowledge/gaps")).text) == [("is there a Casino", "1")]


async def test_another_hotel_sees_and_resolves_none_of_auroras_gaps(client, world, sessions) -> None:
    conversation = await guest_asks(
        client, sessions, world.aurora, "hook-a", "491700000001@c.us", "Is there a casino?"
    )
    await ai_hands_off(sessions, conversation)
    csrf = await sign_in(client, BELLA)
    page = await client.get("/admin/knowledge/gaps")
    assert "casino" not in page.text
    saved = await client.post(
        "/admin/knowledge",
        data={"_csrf": csrf, "title": "Casino", "body": "None here.", "language": "en", "gap": "casino"},
    )
    assert saved.status_code == 303
    await client.post("/logout", data={"_csrf": csrf})
    await sign_in(client, ALEX)
    assert gap_rows((await client.get("/admin/knowledge/gaps")).text) == [("Is there a casino?", "1")]


async def test_a_manager_reads_gaps_but_does_not_write_entries(client, world, sessions) -> None:
    conversation = await guest_asks(
        client, sessions, world.aurora, "hook-a", "491700000001@c.us", "Is there a casino?"
    )
    await ai_hands_off(sessions, conversation)
    await make_staff(sessions, world.aurora.id, "mona@aurora.example", Role.MANAGER, "Mona")
    await sign_in(client, "mona@aurora.example")
    page = await client.get("/admin/knowledge/gaps")
    assert gap_rows(page.text) == [("Is there a casino?", "1")]
    assert "Write the missing entry" not in page.text
    assert (await client.get("/admin/knowledge/new?title=x")).status_code == 403


async def test_a_hostile_question_is_shown_as_text(client, world, sessions) -> None:
    text = '<script>alert("gap")</script> opening hours of the casino?'
    conversation = await guest_asks(client, sessions, world.aurora, "hook-a", "491700000001@c.us", text)
    await ai_hands_off(sessions, conversation)
    await sign_in(client, ALEX)
    page = await client.get("/admin/knowledge/gaps")
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(" in page.text


async def test_an_unknown_gap_key_is_a_400(client, world, sessions) -> None:
    csrf = await sign_in(client, ALEX)
    response = await client.post(
        "/admin/knowledge",
        data={"_csrf": csrf, "title": "Casino", "body": "None.", "language": "en", "gap": "x" * 300},
    )
    assert response.status_code == 400
    assert "gap" in response.json()["detail"]


async def test_the_ai_turn_hands_off_what_the_knowledge_lacks_and_it_becomes_a_gap(
    settings: Settings, sessions: Any
) -> None:
    """The whole way: a guest on WhatsApp, the worker's AI turn, the model's hand-off, the page."""
    async with running_stack(settings, sessions) as stack:
        await stack.guest_writes("Can I borrow a bicycle?")
        await eventually(lambda: _handed_off(stack))
        await make_staff(sessions, stack.hotel.id, "admin@aurora.example", Role.ADMIN, "Ada")
        async with httpx.AsyncClient(base_url=stack.web_url) as web:
            await sign_in(web, "admin@aurora.example")
            page = await web.get("/admin/knowledge/gaps")
    assert gap_rows(page.text) == [("Can I borrow a bicycle?", "1")]


async def _handed_off(stack: Any) -> bool:
    conversation = await stack.conversation_or_none()
    return conversation is not None and conversation.handoff_reason == "not_in_knowledge"
