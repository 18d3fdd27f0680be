"""Sign-in, the inbox and the conversation screens, and tenant isolation, against the real app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy import text as sql_text

from domain.conversations.inbox import SEARCH_IDS_SQL, SessionReader, search_pattern
from domain.conversations.models import Author, Conversation, Delivery, Message, Note, State
from domain.settings import Settings
from tests.support.factories import incoming
from tests.support.web import PASSWORD, csrf_from, sign_in
from web.app import create_app

HOSTILE = (
    "<script>alert(1)</script><img src=x onerror=alert(2)>"
    '<a href="javascript:alert(3)">x</a><svg onload=alert(4)>'
)


@pytest.fixture
async def client(settings: Settings, sessions: Any) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(app=create_app(settings)) as test_client:
        yield test_client


async def guest_message(
    client: AsyncTestClient[Any], hotel: Any, token: str, text: str, name: str = "Lucia"
) -> None:
    body = incoming(hotel.green_api_instance_id, text=text, sender_name=name)
    response = await client.post(
        "/webhooks/green-api", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200


async def only_conversation(sessions: Any, hotel: Any) -> Conversation:
    async with sessions() as session:
        return (
            await session.execute(select(Conversation).where(Conversation.hotel_id == hotel.id))
        ).scalar_one()


async def test_pages_need_a_signed_in_staff_member(client, world) -> None:
    response = await client.get("/inbox", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


async def test_wrong_password_is_refused(client, world) -> None:
    page = await client.get("/login")
    response = await client.post(
        "/login",
        data={"email": "anna@aurora.example", "password": "nope-nope-nope", "_csrf": csrf_from(page.text)},
    )
    assert response.status_code == 401
    assert "Wrong email or password" in response.text
    assert (await client.get("/inbox", follow_redirects=False)).status_code == 303


async def test_sign_in_issues_a_new_session_id_and_sign_out_ends_it(client, world) -> None:
    client.cookies.set("hb_session", "attacker-chosen-session-id", domain="testserver.local")
    await sign_in(client, "anna@aurora.example")
    issued = client.cookies.get("hb_session", domain="testserver.local")
    assert issued
    assert issued != "attacker-chosen-session-id"
    inbox = await client.get("/inbox")
    response = await client.post("/logout", data={"_csrf": csrf_from(inbox.text)}, follow_redirects=False)
    assert response.status_code == 303
    client.cookies.clear()
    client.cookies.set("hb_session", issued, domain="testserver.local")  # replaying the old cookie fails
    assert (await client.get("/inbox", follow_redirects=False)).status_code == 303


async def test_session_cookie_flags(client, world) -> None:
    page = await client.get("/login")
    response = await client.post(
        "/login",
        data={"email": "anna@aurora.example", "password": PASSWORD, "_csrf": csrf_from(page.text)},
        follow_redirects=False,
    )
    cookie = next(
        v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("hb_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie or "samesite=lax" in cookie.lower()


async def test_security_headers_forbid_inline_scripts(client, world) -> None:
    response = await client.get("/login")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "<script>" not in response.text.replace('<script src="', "")


async def test_throttling_after_repeated_failures(client, world) -> None:
    for _ in range(10):
        page = await client.get("/login")
        await client.post(
            "/login",
            data={
                "email": "anna@aurora.example",
                "password": "wrong-password!",
                "_csrf": csrf_from(page.text),
            },
        )
    page = await client.get("/login")
    response = await client.post(
        "/login", data={"email": "anna@aurora.example", "password": PASSWORD, "_csrf": csrf_from(page.text)}
    )
    assert response.status_code == 429
    assert "Too many failed attempts" in response.text


async def test_login_form_without_csrf_is_rejected(client, world) -> None:
    response = await client.post("/login", data={"email": "anna@aurora.example", "password": PASSWORD})
    assert response.status_code == 403


async def test_inbox_shows_the_guest_waiting_first_and_escapes_hostile_text(client, world, sessions) -> None:
    await guest_message(client, world.aurora, "hook-a", HOSTILE, name=HOSTILE)
    conversation = await only_conversation(sessions, world.aurora)
    async with sessions() as session, session.begin():
        row = await session.get(Conversation, conversation.id)
        row.state = State.NEEDS_HUMAN
        row.needs_human_since = row.last_message_at
    await sign_in(client, "anna@aurora.example")
    page = (await client.get("/inbox")).text
    assert "Waiting for a person" in page
    assert "<script>alert(1)</script>" not in page
    assert "onerror=alert" not in page.replace("onerror=alert(2)&gt;", "")
    assert "&lt;script&gt;" in page
    assert "(1) Inbox" in page  # the waiting count is in the title
    conversation_page = (await client.get(f"/conversations/{conversation.id}")).text
    assert "<script>alert(1)</script>" not in conversation_page
    assert "<svg onload" not in conversation_page
    assert 'href="javascript:' not in conversation_page


async def test_take_over_reply_hand_back_and_resolve(client, world, sessions) -> None:
    await guest_message(client, world.aurora, "hook-a", "Hello, is anyone there?")
    conversation = await only_conversation(sessions, world.aurora)
    csrf = await sign_in(client, "anna@aurora.example")
    headers = {"X-CSRF-Token": csrf, "HX-Request": "true"}
    url = f"/conversations/{conversation.id}"
    assert (await client.post(f"{url}/take-over", headers=headers)).status_code == 204
    assert (await only_conversation(sessions, world.aurora)).state is State.HUMAN
    assert (
        await client.post(f"{url}/reply", data={"text": "Hi Lucia, Anna here."}, headers=headers)
    ).status_code == 204
    async with sessions() as session:
        staff_reply = (
            await session.execute(select(Message).where(Message.author == Author.STAFF))
        ).scalar_one()
    assert staff_reply.status is Delivery.QUEUED
    assert staff_reply.staff_id == world.anna
    assert (
        await client.post(f"{url}/notes", data={"text": "VIP, birthday"}, headers=headers)
    ).status_code == 204
    assert (await client.post(f"{url}/hand-back", headers=headers)).status_code == 204
    assert (await only_conversation(sessions, world.aurora)).state is State.AI
    assert (await client.post(f"{url}/resolve", headers=headers)).status_code == 204
    assert (await only_conversation(sessions, world.aurora)).state is State.RESOLVED
    page = (await client.get(url)).text
    assert "Anna took over" in page
    assert "VIP, birthday" in page
    assert "Hi Lucia, Anna here." in page


async def test_plain_form_post_without_javascript_redirects_back(client, world, sessions) -> None:
    await guest_message(client, world.aurora, "hook-a", "Hi")
    conversation = await only_conversation(sessions, world.aurora)
    csrf = await sign_in(client, "anna@aurora.example")
    response = await client.post(
        f"/conversations/{conversation.id}/take-over", data={"_csrf": csrf}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/conversations/{conversation.id}"


async def test_actions_without_csrf_are_rejected(client, world, sessions) -> None:
    await guest_message(client, world.aurora, "hook-a", "Hi")
    conversation = await only_conversation(sessions, world.aurora)
    await sign_in(client, "anna@aurora.example")
    response = await client.post(
        f"/conversations/{conversation.id}/take-over", headers={"HX-Request": "true"}
    )
    assert response.status_code == 403
    wrong = await client.post(
        f"/conversations/{conversation.id}/take-over",
        headers={"HX-Request": "true", "X-CSRF-Token": "forged"},
    )
    assert wrong.status_code == 403
    assert (await only_conversation(sessions, world.aurora)).state is State.AI


async def test_empty_or_oversized_reply_is_a_400(client, world, sessions) -> None:
    """With the reason: for htmx, the composer's message (out of band); for an API call, JSON."""
    await guest_message(client, world.aurora, "hook-a", "Hi")
    conversation = await only_conversation(sessions, world.aurora)
    csrf = await sign_in(client, "anna@aurora.example")
    url = f"/conversations/{conversation.id}/reply"
    for text, reason in (("   ", "Write a reply first"), ("x" * 5000, "longer than 4096 characters")):
        response = await client.post(
            url, data={"text": text}, headers={"X-CSRF-Token": csrf, "HX-Request": "true"}
        )
        assert response.status_code == 400
        assert 'id="reply-error"' in response.text
        assert reason in response.text
        api = await client.post(url, data={"text": text}, headers={"X-CSRF-Token": csrf})
        assert api.status_code == 400
        assert reason.lower() in api.json()["detail"]
    async with sessions() as session:
        assert [m.author for m in (await session.execute(select(Message))).scalars()] == [Author.GUEST]


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("GET", "/conversations/{id}", None),
        ("POST", "/conversations/{id}/take-over", {}),
        ("POST", "/conversations/{id}/hand-back", {}),
        ("POST", "/conversations/{id}/resolve", {}),
        ("POST", "/conversations/{id}/reply", {"text": "hijack"}),
        ("POST", "/conversations/{id}/notes", {"text": "spy"}),
        ("POST", "/conversations/{id}/assign", {"staff_id": "{bob}"}),
    ],
)
async def test_staff_of_another_hotel_cannot_read_or_act(client, world, sessions, method, path, data) -> None:
    await guest_message(client, world.aurora, "hook-a", "Private question", name="Lucia")
    conversation = await only_conversation(sessions, world.aurora)
    csrf = await sign_in(client, "bob@borealis.example")
    url = path.format(id=conversation.id)
    if method == "GET":
        response = await client.get(url)
    else:
        form = {k: v.format(bob=world.bob) for k, v in data.items()}
        response = await client.post(url, data=form, headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
    assert response.status_code == 404
    assert "Private question" not in response.text
    after = await only_conversation(sessions, world.aurora)
    assert after.state is State.AI
    assert after.assigned_staff_id is None
    async with sessions() as session:
        assert (await session.execute(select(Note))).scalars().all() == []
        assert [m.author for m in (await session.execute(select(Message))).scalars()] == [Author.GUEST]


async def test_inbox_of_another_hotel_is_invisible(client, world) -> None:
    await guest_message(client, world.aurora, "hook-a", "Aurora secret", name="Lucia")
    await sign_in(client, "bob@borealis.example")
    assert "Aurora secret" not in (await client.get("/inbox")).text
    results = (await client.get("/inbox?q=Lucia", headers={"HX-Request": "true"})).text
    assert "inbox-row" not in results
    assert "Aurora secret" not in results
    assert "No conversation matches" in results  # her name only as Bob typed it


async def test_cannot_assign_to_someone_from_another_hotel(client, world, sessions) -> None:
    await guest_message(client, world.aurora, "hook-a", "Hi")
    conversation = await only_conversation(sessions, world.aurora)
    csrf = await sign_in(client, "anna@aurora.example")
    response = await client.post(
        f"/conversations/{conversation.id}/assign",
        data={"staff_id": str(world.bob)},
        headers={"X-CSRF-Token": csrf, "HX-Request": "true"},
    )
    assert response.status_code == 404
    assert (await only_conversation(sessions, world.aurora)).assigned_staff_id is None


async def test_switching_to_a_hotel_you_do_not_work_at_is_refused(client, world) -> None:
    csrf = await sign_in(client, "anna@aurora.example")
    response = await client.post("/hotels/switch", data={"_csrf": csrf, "hotel_id": str(world.borealis.id)})
    assert response.status_code == 403


async def test_search_finds_by_name_phone_and_text(client, world) -> None:
    await guest_message(client, world.aurora, "hook-a", "Do you have a vegan breakfast?", name="Lucia")
    await sign_in(client, "anna@aurora.example")
    assert "Lucia" in (await client.get("/inbox?q=vegan", headers={"HX-Request": "true"})).text
    assert "Lucia" in (await client.get("/inbox?q=4917012", headers={"HX-Request": "true"})).text
    assert "Lucia" not in (await client.get("/inbox?q=helicopter", headers={"HX-Request": "true"})).text
    wildcard = await client.get("/inbox?q=%25", headers={"HX-Request": "true"})
    assert wildcard.status_code == 200
    assert "Lucia" not in wildcard.text, "a % in the search is a literal, not a wildcard"


async def test_search_finds_a_word_inside_a_long_message(client, world) -> None:
    """Search goes by the words of a message (an index, not a scan of every message): a word deep
    in a long message, the start of a word, a phrase, any case; a word the guest never wrote and
    the words in another order find nothing."""
    filler = " ".join(["We had a lovely time at the hotel and the staff were very kind."] * 60)
    long_text = f"{filler} One thing: the minibar in room 412 was not refilled, could someone check? {filler}"
    await guest_message(client, world.aurora, "hook-a", long_text, name="Ingrid")
    await sign_in(client, "anna@aurora.example")

    async def found(query: str) -> bool:
        response = await client.get("/inbox", params={"q": query}, headers={"HX-Request": "true"})
        assert response.status_code == 200
        return "Ingrid" in response.text

    assert await found("minibar")
    assert await found("MINIBAR")
    assert await found("miniba"), "the start of a word"
    assert await found("room 412")
    assert await found("minibar in room")
    assert not await found("room minibar"), "a phrase is found as written"
    assert not await found("jacuzzi")
    assert not await found("?!"), "punctuation alone matches no message"


async def test_search_by_message_words_can_use_the_index(client, world, sessions) -> None:
    """At a million messages only an index answers in time: the search's statement filters the
    messages by the very expression the full-text index holds (an ``ILIKE '%…%'`` alone is served
    by no index). Which index the planner takes depends on the data (``bench.pages`` measures it)."""
    await guest_message(client, world.aurora, "hook-a", "Is the minibar free?", name="Ingrid")
    expression = "to_tsvector('simple'::regconfig, text)"
    async with sessions() as session:
        index = await session.scalar(
            sql_text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_messages_text_words'")
        )
        assert f"USING gin ({expression})" in index
        reader = SessionReader(session)
        args = (world.aurora.id, search_pattern("minibar"), "minibar")
        plan = "\n".join(row[0] for row in await reader.fetch("EXPLAIN " + SEARCH_IDS_SQL, *args))
        assert f"{expression} @@" in plan, plan


async def test_hostile_ai_output_renders_inert(client, world, sessions) -> None:
    from domain.conversations.models import Direction

    await guest_message(client, world.aurora, "hook-a", "Hi")
    conversation = await only_conversation(sessions, world.aurora)
    async with sessions() as session, session.begin():
        session.add(
            Message(
                hotel_id=world.aurora.id,
                conversation_id=conversation.id,
                chat_id="491701234567@c.us",
                direction=Direction.OUT,
                author=Author.AI,
                type_message="textMessage",
                text='[x](javascript:alert(1)) <iframe srcdoc="<script>alert(2)</script>"></iframe>',
                status=Delivery.SENT,
                details={},
                attempts=1,
                sources=[],
            )
        )
    await sign_in(client, "anna@aurora.example")
    page = (await client.get(f"/conversations/{conversation.id}")).text
    assert "<iframe" not in page
    assert "&lt;iframe" in page
    assert 'href="javascript:' not in page
