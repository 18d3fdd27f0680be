"""Draft mode and draft topics through the real path: webhook -> worker -> LLM simulator -> a
draft, and nothing at the Green API simulator until a person approves; then exactly one send.
Edit, discard, take-over, a guest who writes again, two staff approving at once, another hotel."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import select, update

from domain.conversations.models import AiDraft, Author, Direction, DraftStatus, Message, State
from domain.hotels.models import Hotel
from domain.staff.models import Role
from tests.support.factories import make_hotel
from tests.support.sockets import receive_until
from tests.support.stack import Stack, eventually, running_stack
from tests.support.web import make_staff, sign_in


@pytest.fixture
async def stack(settings: Any, sessions: Any) -> AsyncIterator[Stack]:
    """No workers running: ``drain`` runs what is queued, so "nothing was sent" is a fact, not a
    wait (the live test starts them)."""
    async with running_stack(settings, sessions, start_workers=False) as running:
        yield running


async def set_hotel(stack: Stack, **values: Any) -> None:
    async with stack.sessions() as session, session.begin():
        await session.execute(update(Hotel).where(Hotel.id == stack.hotel.id).values(**values))


async def all_drafts(stack: Stack) -> list[AiDraft]:
    async with stack.sessions() as session:
        return list((await session.execute(select(AiDraft).order_by(AiDraft.created_at))).scalars())


async def pending(stack: Stack) -> AiDraft | None:
    return next((d for d in await all_drafts(stack) if d.status == DraftStatus.PENDING.value), None)


async def outgoing(stack: Stack) -> list[Message]:
    return [m for m in await stack.messages() if m.direction is Direction.OUT]


@pytest.fixture
async def anna(stack: Stack) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    await make_staff(stack.sessions, stack.hotel.id, "anna@aurora.example", Role.AGENT, "Anna Berger")
    async with httpx.AsyncClient(base_url=stack.web_url, timeout=10) as http:
        csrf = await sign_in(http, "anna@aurora.example")  # type: ignore[arg-type]
        yield http, csrf


def htmx(csrf: str) -> dict[str, str]:
    return {"X-CSRF-Token": csrf, "HX-Request": "true"}


async def drafted(stack: Stack, text: str = "What time is breakfast?") -> AiDraft:
    """The guest writes in a draft-mode hotel; the AI's draft, once every job has run."""
    await stack.guest_writes(text)
    await stack.workers.drain()
    draft = await pending(stack)
    assert draft is not None, "no draft"
    return draft


async def test_a_draft_mode_hotel_sends_nothing_until_a_person_approves_then_exactly_once(
    stack: Stack, anna: tuple[httpx.AsyncClient, str]
) -> None:
    http, csrf = anna
    await set_hotel(stack, ai_mode="draft")
    draft = await drafted(stack)

    assert await stack.replies() == [], "nothing reached the guest's phone"
    assert await outgoing(stack) == [], "not even an outbox row"
    assert "7:00 to 10:30" in draft.text
    conversation = await stack.conversation()
    assert conversation.state is State.AI
    page = await http.get(f"/conversations/{conversation.id}")
    assert "AI draft, waiting for approval" in page.text
    assert "7:00 to 10:30" in page.text
    assert '<span class="source">Breakfast</span>' in page.text, "the draft shows its sources"
    assert "Approve and send" in page.text

    approved = await http.post(
        f"/conversations/{conversation.id}/drafts/{draft.id}/approve", headers=htmx(csrf)
    )
    assert approved.status_code == 204
    await stack.workers.drain()

    assert await stack.replies() == [draft.text]
    [sent] = await outgoing(stack)
    assert sent.author is Author.AI, "attributed to the AI"
    assert sent.staff_id is not None, "and to who approved it"
    assert sent.sources == draft.sources
    [decided] = await all_drafts(stack)
    assert decided.status == "approved"
    assert decided.message_id == sent.id
    page = await http.get(f"/conversations/{conversation.id}")
    assert "approved by Anna Berger" in page.text
    assert "AI draft, waiting for approval" not in page.text


async def test_approving_twice_sends_once_and_the_second_is_told(
    stack: Stack, anna: tuple[httpx.AsyncClient, str]
) -> None:
    http, csrf = anna
    await set_staff_bella(stack)
    await set_hotel(stack, ai_mode="draft")
    draft = await drafted(stack)
    conversation = await stack.conversation()
    url = f"/conversations/{conversation.id}/drafts/{draft.id}/approve"
    async with httpx.AsyncClient(base_url=stack.web_url, timeout=10) as other:
        other_csrf = await sign_in(other, "bella@aurora.example")  # type: ignore[arg-type]
        answers = await asyncio.gather(
            http.post(url, headers=htmx(csrf)),
            other.post(url, headers=htmx(other_csrf)),
            http.post(url, headers=htmx(csrf)),  # and a second tab
        )

    assert sorted(a.status_code for a in answers) == [204, 409, 409]
    refused = [a for a in answers if a.status_code == 409]
    assert all(a.json()["detail"] == "This draft was already sent." for a in refused)
    await stack.workers.drain()
    assert await stack.replies() == [draft.text]
    assert len(await outgoing(stack)) == 1


async def set_staff_bella(stack: Stack) -> None:
    await make_staff(stack.sessions, stack.hotel.id, "bella@aurora.example", Role.MANAGER, "Bella")


async def test_edit_sends_the_edited_text_as_the_staff_members_reply(
    stack: Stack, anna: tuple[httpx.AsyncClient, str]
) -> None:
    http, csrf = anna
    await set_hotel(stack, ai_mode="draft")
    draft = await drafted(stack)
    conversation = await stack.conversation()
    base = f"/conversations/{conversation.id}/drafts/{draft.id}"

    form = await http.get(f"{base}?edit=1", headers=htmx(csrf))
    assert form.status_code == 200
    assert '<textarea id="draft-text"' in form.text
    assert "7:00 to 10:30" in form.text, "the draft's text, ready to edit"
    empty = await http.post(f"{base}/send-edited", data={"text": "   "}, headers=htmx(csrf))
    assert empty.status_code == 400
    assert "write a reply first" in empty.text.lower()

    edited = "Breakfast is from 7:00 to 10:30 — and today we have fresh waffles! Anna"
    sent = await http.post(f"{base}/send-edited", data={"text": edited}, headers=htmx(csrf))
    assert sent.status_code == 204
    await stack.workers.drain()

    assert await stack.replies() == [edited]
    [message] = await outgoing(stack)
    assert message.author is Author.STAFF
    assert (await stack.conversation()).state is State.HUMAN, "a staff reply takes the conversation over"
    [decided] = await all_drafts(stack)
    assert decided.status == "edited"
    assert decided.message_id == message.id


async def test_discard_sends_nothing(stack: Stack, anna: tuple[httpx.AsyncClient, str]) -> None:
    http, csrf = anna
    await set_hotel(stack, ai_mode="draft")
    draft = await drafted(stack)
    conversation = await stack.conversation()
    base = f"/conversations/{conversation.id}/drafts/{draft.id}"

    assert (await http.post(f"{base}/discard", headers=htmx(csrf))).status_code == 204
    await stack.workers.drain()

    assert await stack.replies() == []
    assert await outgoing(stack) == []
    assert [d.status for d in await all_drafts(stack)] == ["discarded"]
    late = await http.post(f"{base}/approve", headers=htmx(csrf))
    assert late.status_code == 409
    assert late.json()["detail"] == "This draft was discarded."


async def test_a_take_over_discards_the_ais_draft(stack: Stack, anna: tuple[httpx.AsyncClient, str]) -> None:
    http, csrf = anna
    await set_hotel(stack, ai_mode="draft")
    draft = await drafted(stack)
    conversation = await stack.conversation()

    taken = await http.post(f"/conversations/{conversation.id}/take-over", headers=htmx(csrf))
    assert taken.status_code == 204

    [discarded] = await all_drafts(stack)
    assert discarded.status == "discarded"
    assert discarded.decided_by is not None
    page = await http.get(f"/conversations/{conversation.id}")
    assert "AI draft, waiting for approval" not in page.text
    late = await http.post(f"/conversations/{conversation.id}/drafts/{draft.id}/approve", headers=htmx(csrf))
    assert late.status_code == 409
    await stack.workers.drain()
    assert await stack.replies() == []


async def test_a_new_guest_message_replaces_the_draft_with_one_covering_both(
    stack: Stack, anna: tuple[httpx.AsyncClient, str]
) -> None:
    http, csrf = anna
    await set_hotel(stack, ai_mode="draft")
    first = await drafted(stack)
    conversation = await stack.conversation()

    await stack.guest_writes("And is there parking?")
    await stack.workers.drain()
    second = await _pending_other_than(stack, first.id)
    assert second is not None

    drafts = await all_drafts(stack)
    assert [d.status for d in drafts] == ["superseded", "pending"], "no pile of stale drafts"
    assert "18 EUR" in second.text, "the fresh draft answers the new question"
    stale = await http.post(f"/conversations/{conversation.id}/drafts/{first.id}/approve", headers=htmx(csrf))
    assert stale.status_code == 409
    assert "fresh draft" in stale.json()["detail"]
    approved = await http.post(
        f"/conversations/{conversation.id}/drafts/{second.id}/approve", headers=htmx(csrf)
    )
    assert approved.status_code == 204
    await stack.workers.drain()
    assert await stack.replies() == [second.text]


async def _pending_other_than(stack: Stack, draft_id: Any) -> AiDraft | None:
    found = await pending(stack)
    return found if found is not None and found.id != draft_id else None


async def test_a_draft_topic_drafts_in_an_auto_hotel_and_other_questions_are_answered(
    stack: Stack, anna: tuple[httpx.AsyncClient, str]
) -> None:
    await set_hotel(stack, draft_topics=["parking"])
    await stack.guest_writes("What time is breakfast?")
    await stack.workers.drain()
    [answer] = await stack.replies()
    assert "7:00 to 10:30" in answer

    draft = await drafted(stack, "Is there parking?")
    assert draft.why == "parking"
    assert len(await stack.replies()) == 1, "the parking answer waits for a person"


async def test_the_inbox_shows_and_filters_the_conversations_with_a_draft_waiting(
    stack: Stack, anna: tuple[httpx.AsyncClient, str]
) -> None:
    http, _ = anna
    await set_hotel(stack, draft_topics=["parking"])
    await stack.guest_writes("What time is breakfast?", chat_id="491700000001@c.us", senderName="Carla")
    await stack.guest_writes("Is there parking?", chat_id="491700000002@c.us", senderName="Dario")
    await stack.workers.drain()

    inbox = (await http.get("/inbox")).text
    assert inbox.count("draft waiting</span>") == 1
    assert 'id="drafts-count" class="count">1<' in inbox
    only = (await http.get("/inbox?filter=drafts")).text
    assert '/inbox?filter=drafts" aria-current="page"' in only
    assert ">Dario<" in only
    assert ">Carla<" not in only
    assert "/live?screen=drafts" in only, "the filtered list stays live"


# --------------------------------------------------------------------------- another hotel


async def test_another_hotels_staff_cannot_see_or_decide_the_draft(
    stack: Stack, anna: tuple[httpx.AsyncClient, str], settings: Any
) -> None:
    await set_hotel(stack, ai_mode="draft")
    draft = await drafted(stack)
    conversation = await stack.conversation()
    borealis = await make_hotel(stack.sessions, name="Hotel Borealis", webhook_token="hook-b")
    await make_staff(stack.sessions, borealis.id, "bob@borealis.example", Role.ADMIN, "Bob")
    async with httpx.AsyncClient(base_url=stack.web_url, timeout=10) as bob:
        csrf = await sign_in(bob, "bob@borealis.example")  # type: ignore[arg-type]
        base = f"/conversations/{conversation.id}/drafts/{draft.id}"
        for answer in (
            await bob.post(f"{base}/approve", headers=htmx(csrf)),
            await bob.post(f"{base}/discard", headers=htmx(csrf)),
            await bob.post(f"{base}/send-edited", data={"text": "hi"}, headers=htmx(csrf)),
            await bob.get(f"{base}?edit=1", headers=htmx(csrf)),
            # a plain form, the CSRF token in the body
            await bob.post(f"{base}/approve", data={"_csrf": csrf}),
        ):
            assert answer.status_code == 404, answer.text
            assert "7:00 to 10:30" not in answer.text
        page = await bob.get(f"/conversations/{conversation.id}")
        assert page.status_code == 404
        assert "7:00 to 10:30" not in (await bob.get("/inbox?filter=drafts")).text

        cookies = "; ".join(f"{k}={v}" for k, v in bob.cookies.items())
        ws = stack.web_url.replace("http://", "ws://")
        with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
            async with websockets.connect(
                f"{ws}/live?conversation={conversation.id}",
                additional_headers={"Cookie": cookies, "Origin": stack.web_url},
            ):
                pass
        assert refused.value.response.status_code == 403
        async with websockets.connect(
            f"{ws}/live?screen=drafts", additional_headers={"Cookie": cookies, "Origin": stack.web_url}
        ) as socket:
            frames = [str(await asyncio.wait_for(socket.recv(), 5))]
            # Aurora's guest writes again: a fresh draft, pushed to Aurora's staff only.
            await stack.guest_writes("And is there parking?")
            await stack.workers.drain()
            assert await _pending_other_than(stack, draft.id) is not None
            await asyncio.sleep(0.5)  # time for a push that must not come
            while True:
                try:
                    frames.append(str(await asyncio.wait_for(socket.recv(), 0.3)))
                except TimeoutError:
                    break
    seen = "".join(frames)
    assert "18 EUR" not in seen
    assert "7:00 to 10:30" not in seen
    assert "draft waiting" not in seen
    [untouched] = [d for d in await all_drafts(stack) if d.id == draft.id]
    assert untouched.status == "superseded", "decided by Aurora's guest, never by Bob"
    assert await stack.replies() == []


async def test_the_drafts_of_an_aurora_conversation_are_pushed_live_to_aurora_staff(
    stack: Stack, anna: tuple[httpx.AsyncClient, str]
) -> None:
    http, csrf = anna
    await set_hotel(stack, ai_mode="draft")
    first = await drafted(stack, "Hello")  # small talk: drafted too
    conversation = await stack.conversation()
    await stack.workers.start()
    cookies = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    ws = stack.web_url.replace("http://", "ws://")
    async with websockets.connect(
        f"{ws}/live?conversation={conversation.id}",
        additional_headers={"Cookie": cookies, "Origin": stack.web_url},
    ) as socket:
        await receive_until(socket, 'id="draft"')
        await stack.guest_writes("What time is breakfast?")
        pushed = await receive_until(socket, "7:00 to 10:30")
        assert 'id="draft" class="draft-panel"' in pushed
        second = await eventually(lambda: _pending_other_than(stack, first.id))
        await http.post(f"/conversations/{conversation.id}/drafts/{second.id}/discard", headers=htmx(csrf))
        gone = await receive_until(socket, 'class="draft-none"')
        assert "7:00 to 10:30" not in gone.split('id="draft"')[1].split("</div>")[0]
