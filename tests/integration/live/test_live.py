"""The staff websocket over a real server: full region first, then live deltas; Origin, tenants, sign-out."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import select

from domain.conversations.models import Conversation
from domain.settings import Settings
from domain.staff.models import Role
from tests.support.factories import incoming
from tests.support.servers import serve_app
from tests.support.sockets import receive_until
from tests.support.web import PASSWORD, csrf_from
from tests.support.world import World, build_world
from web.app import create_app


@pytest.fixture
def server(settings: Settings, sessions: Any) -> Iterator[str]:
    # after ``sessions``: the server stops before its teardown empties the tables, as the other
    # app fixtures do (a push still reading while TRUNCATE runs can deadlock with it)
    with serve_app(create_app(settings)) as url:
        yield url


@pytest.fixture
async def world(sessions: Any) -> World:
    return await build_world(sessions, alex=Role.ADMIN)


async def signed_in(server: str, email: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=server, timeout=10)
    page = await client.get("/login")
    response = await client.post(
        "/login", data={"email": email, "password": PASSWORD, "_csrf": csrf_from(page.text)}
    )
    assert response.status_code in (200, 303)
    return client


def ws_url(server: str, path: str = "/live") -> str:
    return server.replace("http://", "ws://") + path


def cookie_header(client: httpx.AsyncClient) -> str:
    return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


@pytest.fixture
async def anna(server: str, world: Any) -> AsyncIterator[httpx.AsyncClient]:
    client = await signed_in(server, "anna@aurora.example")
    yield client
    await client.aclose()


async def post_guest(
    server: str, hotel: Any, token: str, text: str, chat_id: str = "491701234567@c.us"
) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{server}/webhooks/green-api",
            json=incoming(hotel.green_api_instance_id, text=text, chat_id=chat_id),
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200


async def test_connect_gets_the_full_region_then_new_messages_live(server, world, anna) -> None:
    await post_guest(server, world.aurora, "hook-a", "Before I connected")
    async with websockets.connect(
        ws_url(server), additional_headers={"Cookie": cookie_header(anna), "Origin": server}
    ) as socket:
        first = await receive_until(socket, 'id="inbox-list"')
        assert "Before I connected" in first
        await post_guest(server, world.aurora, "hook-a", "Are you there?")
        update = await receive_until(socket, "Are you there?")
        # Only what changed: the guest's row, replaced in place, not the whole list again.
        assert 'hx-swap-oob="outerHTML:#live-rows-ai #row-' in update
        assert 'id="inbox-list"' not in update
        assert update.count('class="inbox-row') == 1


async def test_a_tab_that_rebuilt_its_list_gets_it_whole_again(server, world, anna) -> None:
    """After a search is cleared the page holds a list the server did not send: on the tab's
    word, the next push is the whole list, not changes to what the server last sent."""
    import json

    await post_guest(server, world.aurora, "hook-a", "Hello")
    async with websockets.connect(
        ws_url(server), additional_headers={"Cookie": cookie_header(anna), "Origin": server}
    ) as socket:
        await receive_until(socket, 'id="inbox-list"')
        await socket.send(json.dumps({"resync": True}))
        again = await receive_until(socket, 'id="inbox-list"')
        assert "Hello" in again


@contextlib.asynccontextmanager
async def watching_first_conversation(server, world, anna, sessions) -> AsyncIterator[Any]:
    """Anna's socket on the conversation a guest opens by writing "First"."""
    await post_guest(server, world.aurora, "hook-a", "First")
    async with sessions() as db:
        conversation = (await db.execute(select(Conversation))).scalar_one()
    async with websockets.connect(
        ws_url(server, f"/live?conversation={conversation.id}"),
        additional_headers={"Cookie": cookie_header(anna), "Origin": server},
    ) as socket:
        yield socket


async def test_conversation_timeline_is_pushed(server, world, anna, sessions) -> None:
    async with watching_first_conversation(server, world, anna, sessions) as socket:
        first = await receive_until(socket, 'id="timeline"')
        assert "First" in first
        await post_guest(server, world.aurora, "hook-a", "Second <b>bold</b>")
        update = await receive_until(socket, "Second")
        assert "Second &lt;b&gt;bold&lt;/b&gt;" in update


async def test_another_guests_message_leaves_the_open_conversation_alone(
    server, world, anna, sessions
) -> None:
    """Only the inbox row of the other guest comes: the open timeline is not swapped (and the
    page not scrolled back down while staff read further up)."""
    async with watching_first_conversation(server, world, anna, sessions) as socket:
        await receive_until(socket, 'id="timeline"')
        await post_guest(server, world.aurora, "hook-a", "From someone else", chat_id="491709999999@c.us")
        update = await receive_until(socket, "From someone else")
        assert 'id="timeline"' not in update
        assert 'id="conversation-header"' not in update
        await post_guest(server, world.aurora, "hook-a", "Back to me")
        mine = await receive_until(socket, 'id="timeline"')
        assert "Back to me" in mine


async def test_foreign_origin_is_refused(server, world, anna) -> None:
    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        async with websockets.connect(
            ws_url(server),
            additional_headers={"Cookie": cookie_header(anna), "Origin": "https://evil.example"},
        ):
            pass
    assert refused.value.response.status_code == 403


async def test_missing_origin_is_refused(server, world, anna) -> None:
    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        async with websockets.connect(ws_url(server), additional_headers={"Cookie": cookie_header(anna)}):
            pass
    assert refused.value.response.status_code == 403


async def test_without_a_session_the_socket_is_closed(server, world) -> None:
    with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
        async with websockets.connect(ws_url(server), additional_headers={"Origin": server}) as socket:
            await socket.recv()
    assert closed.value.rcvd.code == 4401


async def test_another_hotels_conversation_cannot_be_subscribed(server, world, sessions) -> None:
    await post_guest(server, world.aurora, "hook-a", "Aurora private")
    async with sessions() as db:
        conversation = (await db.execute(select(Conversation))).scalar_one()
    bob = await signed_in(server, "bob@borealis.example")
    try:
        with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
            async with websockets.connect(
                ws_url(server, f"/live?conversation={conversation.id}"),
                additional_headers={"Cookie": cookie_header(bob), "Origin": server},
            ):
                pass
        assert refused.value.response.status_code == 403
        # Bob's own live feed never carries Aurora's messages.
        async with websockets.connect(
            ws_url(server), additional_headers={"Cookie": cookie_header(bob), "Origin": server}
        ) as socket:
            first = await receive_until(socket, 'id="inbox-list"')
            await post_guest(server, world.aurora, "hook-a", "Aurora second secret")
            await asyncio.sleep(0.5)
            frames = [first]
            while True:
                try:
                    frames.append(await asyncio.wait_for(socket.recv(), 0.3))
                except TimeoutError:
                    break
            assert not any("Aurora" in frame for frame in frames)
    finally:
        await bob.aclose()


async def test_sign_out_closes_the_socket(server, world, anna) -> None:
    async with websockets.connect(
        ws_url(server), additional_headers={"Cookie": cookie_header(anna), "Origin": server}
    ) as socket:
        await receive_until(socket, 'id="inbox-list"')
        inbox = await anna.get("/inbox")
        await anna.post("/logout", data={"_csrf": csrf_from(inbox.text)})
        with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
            for _ in range(20):
                await asyncio.wait_for(socket.recv(), 5)
        assert closed.value.rcvd.code == 4401


async def test_deactivating_a_staff_member_closes_their_socket_and_session(server, world, anna) -> None:
    alex = await signed_in(server, "alex@aurora.example")
    try:
        async with websockets.connect(
            ws_url(server), additional_headers={"Cookie": cookie_header(anna), "Origin": server}
        ) as socket:
            await receive_until(socket, 'id="inbox-list"')
            page = await alex.get("/admin/staff")
            assert "anna@aurora.example" in page.text
            response = await alex.post(
                f"/admin/staff/{world.anna}/deactivate", data={"_csrf": csrf_from(page.text)}
            )
            assert response.status_code in (200, 303)
            with pytest.raises(websockets.exceptions.ConnectionClosed):
                for _ in range(20):
                    await asyncio.wait_for(socket.recv(), 5)
        assert (await anna.get("/inbox", follow_redirects=False)).status_code == 303
    finally:
        await alex.aclose()


async def test_agents_cannot_deactivate_anyone(server, world, anna) -> None:
    inbox = await anna.get("/inbox")
    response = await anna.post(f"/admin/staff/{world.alex}/deactivate", data={"_csrf": csrf_from(inbox.text)})
    assert response.status_code == 403


async def test_admin_of_one_hotel_cannot_deactivate_staff_of_another(server, world) -> None:
    alex = await signed_in(server, "alex@aurora.example")
    try:
        page = await alex.get("/admin/staff")
        response = await alex.post(
            f"/admin/staff/{world.bob}/deactivate", data={"_csrf": csrf_from(page.text)}
        )
        assert response.status_code == 404
    finally:
        await alex.aclose()


async def test_presence_and_typing_reach_colleagues_on_the_same_conversation(
    server, world, anna, sessions
) -> None:
    await post_guest(server, world.aurora, "hook-a", "Hello")
    async with sessions() as db:
        conversation = (await db.execute(select(Conversation))).scalar_one()
    alex = await signed_in(server, "alex@aurora.example")
    path = f"/live?conversation={conversation.id}"
    try:
        async with websockets.connect(
            ws_url(server, path), additional_headers={"Cookie": cookie_header(anna), "Origin": server}
        ) as anna_socket:
            await receive_until(anna_socket, 'id="timeline"')
            async with websockets.connect(
                ws_url(server, path), additional_headers={"Cookie": cookie_header(alex), "Origin": server}
            ) as alex_socket:
                await receive_until(alex_socket, 'id="timeline"')
                here = await receive_until(anna_socket, "also here")
                assert "Alex" in here
                await alex_socket.send('{"typing": true}')
                typing = await receive_until(anna_socket, "is typing")
                assert "Alex is typing" in typing
            gone = await receive_until(anna_socket, 'id="presence"')
            assert "Alex" not in gone
    finally:
        await alex.aclose()


async def test_a_socket_whose_session_is_gone_gets_no_more_updates(server, world, anna, settings) -> None:
    """Even when the sign-out notice was missed (Redis was away), the next push checks the session."""
    from redis.asyncio import Redis

    async with websockets.connect(
        ws_url(server), additional_headers={"Cookie": cookie_header(anna), "Origin": server}
    ) as socket:
        await receive_until(socket, 'id="inbox-list"')
        redis = Redis.from_url(settings.redis_url)
        try:
            keys = [key async for key in redis.scan_iter(f"{settings.redis_prefix}session:*")]
            assert keys
            await redis.delete(*keys)  # the session vanished without a live-control notice
        finally:
            await redis.aclose()
        await post_guest(server, world.aurora, "hook-a", "Nobody should see this")
        frames: list[str] = []
        with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
            while True:
                frames.append(await asyncio.wait_for(socket.recv(), 5))
        assert closed.value.rcvd.code == 4401
        assert not any("Nobody should see this" in frame for frame in frames)


def inbox_seen(html: str, scope: str = "live") -> dict[str, tuple[int, list[tuple[str, str]]]]:
    """What an inbox list shows, section by section: the count, then each row (its conversation
    id and its class list), in order."""
    import re

    seen = {}
    for key in ("needs_human", "mine", "others", "ai", "resolved"):
        count = re.search(rf'id="{scope}-count-{key}"[^>]*>(\d+)<', html)
        rows = re.search(rf'<ul class="rows" id="{scope}-rows-{key}"[^>]*>(.*?)</ul>', html, re.S)
        assert count is not None, f"no count of {key}"
        assert rows is not None, f"no rows of {key}"
        found = re.findall(r'class="(inbox-row[^"]*)" id="row-([0-9a-f-]{36})"', rows.group(1))
        seen[key] = (int(count.group(1)), [(row_id, classes) for classes, row_id in found])
    return seen


async def test_the_inbox_page_and_the_live_push_show_the_same_rows(server, world, anna, sessions) -> None:
    """Sections, their order and counts, unread marks and open requests: what Anna sees on the
    inbox page is what her socket is sent on connect, from the same data."""
    import datetime

    from domain.conversations.models import ConversationRead, State
    from domain.service_requests.models import ServiceRequest

    aurora, anna_id = world.aurora, world.anna
    for i in range(7):
        await post_guest(server, aurora, "hook-a", f"message {i}", chat_id=f"49170555000{i}@c.us")
    await post_guest(server, world.borealis, "hook-b", "another hotel's guest")
    now = datetime.datetime.now(datetime.UTC)
    minutes = datetime.timedelta(minutes=1)
    async with sessions() as db, db.begin():
        conversations = (
            await db.execute(
                select(Conversation)
                .where(Conversation.hotel_id == aurora.id)
                .order_by(Conversation.created_at)
            )
        ).scalars()
        ai_old, ai_new, waiting_long, waiting_short, mine, resolved_today, resolved_before = conversations
        ai_old.last_message_at, ai_new.last_message_at = now - 5 * minutes, now - minutes
        for conversation, since in ((waiting_long, 30), (waiting_short, 2)):
            conversation.state, conversation.handoff_reason = State.NEEDS_HUMAN, "guest_requested_human"
            conversation.needs_human_since = now - since * minutes
        mine.state, mine.assigned_staff_id = State.HUMAN, anna_id
        resolved_today.state = State.RESOLVED
        resolved_before.state = State.RESOLVED
        resolved_before.updated_at = now - datetime.timedelta(days=2)
        db.add(ConversationRead(staff_id=anna_id, conversation_id=ai_old.id, seen_at=now))
        for status in ("open", "in_progress", "done"):
            db.add(
                ServiceRequest(
                    hotel_id=aurora.id,
                    conversation_id=mine.id,
                    guest_id=mine.guest_id,
                    category="housekeeping",
                    details=status,
                    room="312",
                    status=status,
                )
            )
    expected = {
        "needs_human": (
            2,
            [
                (str(waiting_long.id), "inbox-row state-needs_human unread"),  # the longest wait first
                (str(waiting_short.id), "inbox-row state-needs_human unread"),
            ],
        ),
        "mine": (1, [(str(mine.id), "inbox-row state-human unread")]),
        "others": (0, []),
        "ai": (  # the latest first; Anna has read the older one
            2,
            [(str(ai_new.id), "inbox-row state-ai unread"), (str(ai_old.id), "inbox-row state-ai")],
        ),
        "resolved": (1, [(str(resolved_today.id), "inbox-row state-resolved unread")]),
    }
    page = (await anna.get("/inbox")).text
    async with websockets.connect(
        ws_url(server), additional_headers={"Cookie": cookie_header(anna), "Origin": server}
    ) as socket:
        pushed = await receive_until(socket, 'id="inbox-list"')
    for html in (page, pushed):
        assert inbox_seen(html) == expected
        assert "another hotel's guest" not in html
        assert "housekeeping · room 312 +1" in html  # the oldest open request, and one more to do
        assert 'data-waiting="2"' in html


async def test_inbox_search_finds_a_guest_by_their_other_chat_id(server, world, anna, sessions) -> None:
    """A guest first known by their number is found by their @lid as well, once it is learnt."""
    from domain.guests.models import Guest

    await post_guest(server, world.aurora, "hook-a", "Hello", chat_id="491705550001@c.us")
    await post_guest(server, world.aurora, "hook-a", "Hi there", chat_id="491705550002@c.us")
    async with sessions() as db, db.begin():
        guest = (await db.execute(select(Guest).where(Guest.chat_id == "491705550001@c.us"))).scalar_one()
        guest.alt_chat_id = "207383654182912@lid"
        conversation = (
            await db.execute(select(Conversation).where(Conversation.guest_id == guest.id))
        ).scalar_one()
    found = await anna.get("/inbox", params={"q": "207383654182912"}, headers={"HX-Request": "true"})
    assert inbox_seen(found.text, scope="results")["ai"] == (
        1,
        [(str(conversation.id), "inbox-row state-ai unread")],
    )
