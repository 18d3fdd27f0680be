"""What a live push shows depends on who receives it, and who is told what, over a real server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import websockets
from arq.connections import ArqRedis
from redis.asyncio import ConnectionPool
from sqlalchemy import select

from domain.conversations.models import Conversation
from domain.conversations.service import hand_off, lock_conversation
from domain.service_requests.models import ServiceRequest
from domain.uow import UnitOfWork
from jobs.enqueue import RedisDispatcher
from tests.integration.live import test_live
from tests.integration.live.test_live import cookie_header, signed_in, ws_url
from tests.support.factories import incoming
from tests.support.sockets import receive_until
from tests.support.web import csrf_from

# the server, its two hotels and staff (Anna an agent, Alex an admin), Anna signed in
server, world, anna = test_live.server, test_live.world, test_live.anna
ADMIN_CONTROLS = "/admin/guests/"


@contextlib.asynccontextmanager
async def socket_for(server: str, client: Any, path: str = "/live") -> AsyncIterator[Any]:
    headers = {"Cookie": cookie_header(client), "Origin": server}
    async with websockets.connect(ws_url(server, path), additional_headers=headers) as socket:
        yield socket


async def guest_writes(server: str, world: Any, text: str) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{server}/webhooks/green-api",
            json=incoming(world.aurora.green_api_instance_id, text=text, sender_name="Lucia"),
            headers={"Authorization": "Bearer hook-a"},
        )
        assert response.status_code == 200


async def first_conversation(server: str, world: Any, sessions: Any) -> Conversation:
    await guest_writes(server, world, "First")
    async with sessions() as db:
        return (await db.execute(select(Conversation))).scalar_one()


async def frames_until(socket: Any, needle: str, timeout: float = 5.0) -> list[str]:
    """Every frame up to and including the first that holds ``needle``."""
    frames: list[str] = []
    deadline = asyncio.get_running_loop().time() + timeout
    while not frames or needle not in frames[-1]:
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise AssertionError(f"{needle!r} never arrived in {frames!r}")
        frames.append(str(await asyncio.wait_for(socket.recv(), remaining)))
    return frames


async def post_as(client: Any, path: str, data: dict[str, str] | None = None) -> int:
    """A staff member's form, posted as the page would (the redirect back is not followed)."""
    page = await client.get("/inbox")
    response = await client.post(path, data={"_csrf": csrf_from(page.text), **(data or {})})
    return response.status_code


async def test_an_agent_never_receives_the_admins_guest_panel_and_the_admin_always_does(
    server, world, anna, sessions
) -> None:
    conversation = await first_conversation(server, world, sessions)
    alex = await signed_in(server, "alex@aurora.example")  # an admin
    path = f"/live?conversation={conversation.id}"
    try:
        async with socket_for(server, anna, path) as agent, socket_for(server, alex, path) as admin:
            agent_frames = await frames_until(agent, 'id="guest-panel"')
            admin_frames = await frames_until(admin, 'id="guest-panel"')
            await guest_writes(server, world, "A second question")
            # both sockets are served by the same push: it must be rendered for each of them
            agent_frames += await frames_until(agent, "A second question")
            admin_frames += await frames_until(admin, "A second question")
            await guest_writes(server, world, "And a third")
            agent_frames += await frames_until(agent, "And a third")
            admin_frames += await frames_until(admin, "And a third")
        panels = [f for f in admin_frames if 'id="guest-panel"' in f]
        assert len(panels) == 3
        assert all(ADMIN_CONTROLS in frame and "Erase guest" in frame for frame in panels)
        assert [f for f in agent_frames if 'id="guest-panel"' in f]
        assert not any(ADMIN_CONTROLS in frame or "Erase guest" in frame for frame in agent_frames)
    finally:
        await alex.aclose()


async def test_the_displaced_agent_is_told_and_their_composer_says_who_has_it(
    server, world, anna, sessions
) -> None:
    conversation = await first_conversation(server, world, sessions)
    alex = await signed_in(server, "alex@aurora.example")
    url = f"/conversations/{conversation.id}"
    try:
        assert await post_as(anna, f"{url}/take-over") == 303
        async with (
            socket_for(server, anna, f"/live?conversation={conversation.id}") as on_it,
            socket_for(server, anna, "/live") as inbox_tab,
            socket_for(server, alex, "/live") as alexs_tab,
        ):
            connect = await frames_until(on_it, 'id="composer-status"')
            assert "You are handling this conversation" in connect[-1]
            await receive_until(inbox_tab, 'id="inbox-list"')
            await receive_until(alexs_tab, 'id="inbox-list"')
            assert await post_as(alex, f"{url}/take-over") == 303

            # the notice, and (in that push or one just before it) the conversation as it is now
            pushed = "".join(await frames_until(on_it, "from you"))
            assert "Alex took over Lucia&#39;s conversation from you" in pushed
            assert 'hx-swap-oob="afterbegin:#notices"' in pushed
            assert f'href="/conversations/{conversation.id}"' in pushed
            assert "<strong>Alex</strong> is handling this conversation" in pushed
            assert "Take over from Alex" in pushed
            assert "Alex took over from Anna" in pushed  # the timeline entry
            # her other tab hears it too; the colleague who took it over is not told about himself
            assert "from you" in (await frames_until(inbox_tab, "from you"))[-1]
            alexs = await frames_until(alexs_tab, 'class="inbox-row')
            assert not any("notice" in frame for frame in alexs)
    finally:
        await alex.aclose()


async def test_a_guest_waiting_for_a_person_is_announced_on_every_screen(
    server, world, anna, sessions, settings
) -> None:
    conversation = await first_conversation(server, world, sessions)
    alex = await signed_in(server, "alex@aurora.example")
    redis = ArqRedis(connection_pool=ConnectionPool.from_url(settings.redis_url))
    try:
        async with (
            socket_for(server, anna, "/live?screen=page") as admin_page,
            socket_for(server, alex, "/live?screen=requests") as board,
            socket_for(server, anna, f"/live?conversation={conversation.id}") as on_it,
        ):
            first = await frames_until(admin_page, 'id="waiting-badge"')
            assert 'id="inbox-list"' not in "".join(first), "a page without the inbox gets no list"
            await frames_until(board, 'id="requests-board"')
            await frames_until(on_it, 'id="timeline"')
            async with UnitOfWork(sessions, RedisDispatcher(redis, settings.redis_prefix)) as uow:
                locked = await lock_conversation(uow, world.aurora.id, conversation.id)
                await hand_off(uow, locked, reason="guest_requested_human", summary="wants a person")
            for socket in (admin_page, board, on_it):
                frame = "".join(await frames_until(socket, "notice-waiting"))
                assert "Lucia is waiting for a person: guest asked for a person" in frame
                assert f'href="/conversations/{conversation.id}"' in frame
                assert 'data-waiting="1"' in frame
    finally:
        await redis.aclose()
        await alex.aclose()


async def test_the_requests_board_follows_status_changes_live(server, world, anna, sessions) -> None:
    conversation = await first_conversation(server, world, sessions)
    async with sessions() as db, db.begin():
        request = ServiceRequest(
            hotel_id=conversation.hotel_id,
            conversation_id=conversation.id,
            guest_id=conversation.guest_id,
            category="housekeeping",
            details="Two towels, please",
            room="305",
            status="open",
            created_by="ai",
        )
        db.add(request)
    async with socket_for(server, anna, "/live?screen=requests") as board:
        first = (await frames_until(board, 'id="requests-board"'))[-1]
        assert "Two towels, please" in first
        assert "Room 305" in first
        assert await post_as(anna, f"/requests/{request.id}/status", {"status": "in_progress"}) == 303
        progress = (await frames_until(board, 'value="in_progress" selected'))[-1]
        assert "Two towels, please" in progress
        assert await post_as(anna, f"/requests/{request.id}/status", {"status": "done"}) == 303
        done = (await frames_until(board, "No open requests"))[-1]
        assert "Two towels, please" not in done
