"""What staff see and may do as a conversation changes hands, and the service requests they work
through, against the real app (real PostgreSQL, real Redis sessions)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from domain.conversations.models import Author, Conversation, Message, State, StateTransition
from domain.guests.models import Guest
from domain.service_requests.models import ServiceRequest
from domain.settings import Settings
from domain.staff.models import Role
from tests.support.factories import incoming
from tests.support.web import sign_in
from tests.support.world import World, build_world
from web.app import create_app


@pytest.fixture
async def world(sessions: Any) -> World:
    return await build_world(sessions, alex=Role.AGENT)


async def signed_in(settings: Settings, email: str) -> AsyncIterator[Any]:
    """A staff member's client on an app of its own (as on a web process of its own)."""
    async with AsyncTestClient(app=create_app(settings)) as client:
        client.headers.update({"X-CSRF-Token": await sign_in(client, email), "HX-Request": "true"})
        yield client


@pytest.fixture
async def anna(settings: Settings, sessions: Any, world: Any) -> AsyncIterator[Any]:
    async for client in signed_in(settings, "anna@aurora.example"):
        yield client


@pytest.fixture
async def alex(settings: Settings, sessions: Any, world: Any) -> AsyncIterator[Any]:
    async for client in signed_in(settings, "alex@aurora.example"):
        yield client


async def guest_writes(
    client: Any, hotel: Any, text: str, token: str = "hook-a", chat: str = "491701234567@c.us"
) -> None:
    body = incoming(hotel.green_api_instance_id, text=text, chat_id=chat, sender_name="Lucia")
    response = await client.post(
        "/webhooks/green-api", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200


async def conversation_of(sessions: Any, hotel: Any) -> Conversation:
    async with sessions() as db:
        return (await db.execute(select(Conversation).where(Conversation.hotel_id == hotel.id))).scalar_one()


async def transitions(sessions: Any) -> list[tuple[Any, ...]]:
    async with sessions() as db:
        rows = (await db.execute(select(StateTransition).order_by(StateTransition.created_at))).scalars()
        return [
            (t.from_state, t.to_state, t.reason, t.staff_id, t.from_staff_id, t.to_staff_id) for t in rows
        ]


def visible_text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


async def test_taking_over_from_a_colleague_is_recorded_shown_and_tells_the_composer(
    anna, alex, world, sessions
) -> None:
    await guest_writes(anna, world.aurora, "Hello, is anyone there?")
    url = f"/conversations/{(await conversation_of(sessions, world.aurora)).id}"
    assert (await anna.post(f"{url}/take-over")).status_code == 204
    assert (await alex.post(f"{url}/take-over")).status_code == 204

    conversation = await conversation_of(sessions, world.aurora)
    assert (conversation.state, conversation.assigned_staff_id) == (State.HUMAN, world.alex)
    assert (await transitions(sessions))[-1] == (
        State.HUMAN,
        State.HUMAN,
        "taken_over_from",
        world.alex,
        world.anna,
        world.alex,
    )
    annas_page = visible_text((await anna.get(url)).text)
    assert "Alex took over from Anna" in annas_page
    # Anna's composer says who has it now, and offers to take it back
    assert "Alex is handling this conversation" in annas_page
    assert "Sending a reply takes it over from Alex" in annas_page
    assert "Take over from Alex" in annas_page
    alexs_page = visible_text((await alex.get(url)).text)
    assert "You are handling this conversation" in alexs_page
    assert "with Alex (you)" in alexs_page
    assert "Take over from" not in alexs_page


async def test_taking_over_your_own_conversation_again_records_nothing(anna, world, sessions) -> None:
    await guest_writes(anna, world.aurora, "Hi")
    url = f"/conversations/{(await conversation_of(sessions, world.aurora)).id}"
    for _ in range(2):
        assert (await anna.post(f"{url}/take-over")).status_code == 204
    assert [t[2] for t in await transitions(sessions)] == ["staff_took_over"]


async def test_a_reply_from_the_displaced_agent_takes_the_conversation_back_on_the_record(
    anna, alex, world, sessions
) -> None:
    await guest_writes(anna, world.aurora, "Hello?")
    url = f"/conversations/{(await conversation_of(sessions, world.aurora)).id}"
    await anna.post(f"{url}/take-over")
    await alex.post(f"{url}/take-over")
    assert (
        await anna.post(f"{url}/reply", data={"text": "Anna again, I have your booking here."})
    ).status_code == 204
    conversation = await conversation_of(sessions, world.aurora)
    assert conversation.assigned_staff_id == world.anna
    assert (await transitions(sessions))[-1][2:] == (
        "taken_over_from",
        world.anna,
        world.alex,
        world.anna,
    )
    assert "Anna took over from Alex" in visible_text((await alex.get(url)).text)


async def test_assigning_is_a_timeline_entry_even_between_two_people(anna, alex, world, sessions) -> None:
    await guest_writes(anna, world.aurora, "Hi there")
    url = f"/conversations/{(await conversation_of(sessions, world.aurora)).id}"
    assert (await alex.post(f"{url}/take-over")).status_code == 204
    assert (await alex.post(f"{url}/assign", data={"staff_id": str(world.anna)})).status_code == 204
    assert (await transitions(sessions))[-1] == (
        State.HUMAN,
        State.HUMAN,
        "assigned",
        world.alex,
        world.alex,
        world.anna,
    )
    page = visible_text((await anna.get(url)).text)
    assert "Alex assigned the conversation to Anna" in page
    assert "You are handling this conversation" in page
    # assigning it to the person who has it already changes nothing, and records nothing
    assert (await alex.post(f"{url}/assign", data={"staff_id": str(world.anna)})).status_code == 204
    assert [t[2] for t in await transitions(sessions)] == ["staff_took_over", "assigned"]


async def test_a_waiting_guest_is_not_offered_to_the_ai_and_a_resolved_one_is_reopened(
    anna, world, sessions
) -> None:
    await guest_writes(anna, world.aurora, "Can I speak to someone?")
    conversation = await conversation_of(sessions, world.aurora)
    async with sessions() as db, db.begin():
        row = await db.get(Conversation, conversation.id)
        row.state, row.needs_human_since, row.handoff_reason = (
            State.NEEDS_HUMAN,
            row.last_message_at,
            "guest_requested_human",
        )
    url = f"/conversations/{conversation.id}"
    page = (await anna.get(url)).text
    assert "Hand back to AI" not in page
    assert "Take over" in page
    refused = await anna.post(f"{url}/hand-back")
    assert refused.status_code == 409
    assert "a person's hands" in refused.json()["detail"]
    assert (await conversation_of(sessions, world.aurora)).state is State.NEEDS_HUMAN

    assert (await anna.post(f"{url}/resolve")).status_code == 204
    page = (await anna.get(url)).text
    assert ">Reopen</button>" in page
    assert "Hand back to AI" not in page
    assert ">Resolve</button>" not in page
    assert (await anna.post(f"{url}/resolve")).status_code == 409
    assert (await anna.post(f"{url}/reopen")).status_code == 204
    assert (await conversation_of(sessions, world.aurora)).state is State.AI
    assert (await transitions(sessions))[-1][:3] == (State.RESOLVED, State.AI, "staff_reopened")
    assert "Anna reopened the conversation" in visible_text((await anna.get(url)).text)
    again = await anna.post(f"{url}/reopen")
    assert again.status_code == 409
    assert again.json()["detail"] == "only a resolved conversation can be reopened"


async def test_reopening_another_hotels_conversation_is_404(settings, anna, world, sessions) -> None:
    await guest_writes(anna, world.aurora, "Private")
    conversation = await conversation_of(sessions, world.aurora)
    async with sessions() as db, db.begin():
        (await db.get(Conversation, conversation.id)).state = State.RESOLVED
    async for bob in signed_in(settings, "bob@borealis.example"):
        response = await bob.post(f"/conversations/{conversation.id}/reopen")
    assert response.status_code == 404
    assert (await conversation_of(sessions, world.aurora)).state is State.RESOLVED


async def test_the_inbox_row_previews_the_guests_last_message_language_and_room(
    anna, world, sessions
) -> None:
    await guest_writes(anna, world.aurora, "Wo kann ich parken?")
    conversation = await conversation_of(sessions, world.aurora)
    async with sessions() as db, db.begin():
        guest = await db.get(Guest, conversation.guest_id)
        guest.language, guest.room = "de", "312"
    url = f"/conversations/{conversation.id}"
    assert (
        await anna.post(f"{url}/reply", data={"text": "Our garage is on Lindenstrasse."})
    ).status_code == 204
    async with sessions() as db:
        kinds = [m.author for m in (await db.execute(select(Message))).scalars()]
    assert Author.STAFF in kinds
    row = re.search(
        r'<li class="inbox-row[^"]*" id="row-[^"]+">.*?</li>', (await anna.get("/inbox")).text, re.S
    )
    assert row is not None
    shown = visible_text(row.group(0))
    assert "Wo kann ich parken?" in shown
    assert "Lindenstrasse" not in shown
    assert "DE" in shown
    assert "room 312" in shown


async def _request(sessions: Any, conversation: Conversation, **values: Any) -> ServiceRequest:
    defaults = {"category": "housekeeping", "details": "Two towels", "room": "312", "status": "open"}
    async with sessions() as db, db.begin():
        request = ServiceRequest(
            hotel_id=conversation.hotel_id,
            conversation_id=conversation.id,
            guest_id=conversation.guest_id,
            created_by="ai",
            **{**defaults, **values},
        )
        db.add(request)
    return request


async def test_the_inbox_row_shows_an_open_service_request_until_it_is_done(anna, world, sessions) -> None:
    await guest_writes(anna, world.aurora, "Towels please")
    conversation = await conversation_of(sessions, world.aurora)
    request = await _request(sessions, conversation)
    await _request(sessions, conversation, category="maintenance", details="Lamp", room="312")
    row = visible_text((await anna.get("/inbox")).text)
    assert "housekeeping · room 312 +1" in row
    for done in (request.id,):
        assert (await anna.post(f"/requests/{done}/status", data={"status": "done"})).status_code == 204
    row = visible_text((await anna.get("/inbox")).text)
    assert "housekeeping · room 312" not in row
    assert "maintenance · room 312" in row


async def test_the_requests_board_lists_this_hotels_open_requests_by_category_and_room(
    settings, anna, world, sessions
) -> None:
    await guest_writes(anna, world.aurora, "Hi")
    await guest_writes(anna, world.borealis, "Hi", token="hook-b")
    aurora = await conversation_of(sessions, world.aurora)
    borealis = await conversation_of(sessions, world.borealis)
    await _request(sessions, aurora, details="Towels for 101", room="101")
    await _request(sessions, aurora, details="Pillows for 9", room="9")
    await _request(sessions, aurora, category="maintenance", details="Shower leaks", room="204")
    await _request(sessions, aurora, details="Already done", room="5", status="done")
    secret = await _request(sessions, borealis, details="Borealis secret", room="1")

    board = visible_text((await anna.get("/requests", headers={"HX-Request": ""})).text)
    assert board.index("housekeeping") < board.index("Pillows for 9") < board.index("Towels for 101")
    assert board.index("Towels for 101") < board.index("maintenance") < board.index("Shower leaks")
    assert "Already done" not in board
    assert "Borealis secret" not in board
    assert "Lucia" in board  # who asked, with a link to the conversation
    assert f'href="/conversations/{aurora.id}"' in (await anna.get("/requests")).text

    assert (await anna.post(f"/requests/{secret.id}/status", data={"status": "done"})).status_code == 404
    assert (await anna.post(f"/requests/{secret.id}/status", data={"status": "exploded"})).status_code == 400
    assert (await anna.post("/requests/not-a-uuid/status", data={"status": "done"})).status_code == 404
    async with sessions() as db:
        assert (await db.get(ServiceRequest, secret.id)).status == "open"
    async with AsyncTestClient(app=create_app(settings)) as stranger:
        assert (await stranger.get("/requests", follow_redirects=False)).status_code == 303
