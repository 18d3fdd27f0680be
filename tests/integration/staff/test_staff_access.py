"""Who may let a staff member in: each hotel decides for its own membership, only the platform
operator (``hotelbot staff disable|enable``) for the whole account. Over a real server, with real
sessions in Redis and live sockets."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import select

from domain.conversations.models import Conversation
from domain.settings import Settings
from domain.staff.models import Role
from tests.support.factories import incoming
from tests.support.migrate import ROOT
from tests.support.servers import serve_app
from tests.support.web import PASSWORD, csrf_from
from tests.support.world import SAM, World, build_world
from web.app import create_app


@pytest.fixture
def server(settings: Settings, sessions: Any) -> Iterator[str]:
    with serve_app(create_app(settings)) as url:
        yield url


@pytest.fixture
async def world(sessions: Any) -> World:
    """Sam works at both hotels; Alex runs Aurora, Bella runs Borealis."""
    return await build_world(sessions, anna=False, bob=False, alex=Role.ADMIN, bella=True, sam=True)


async def sign_in(server: str, email: str) -> tuple[httpx.AsyncClient, httpx.Response]:
    client = httpx.AsyncClient(base_url=server, timeout=10)
    page = await client.get("/login")
    response = await client.post(
        "/login", data={"email": email, "password": PASSWORD, "_csrf": csrf_from(page.text)}
    )
    return client, response


async def signed_in(server: str, email: str) -> httpx.AsyncClient:
    client, response = await sign_in(server, email)
    assert response.status_code in (200, 303), response.text
    return client


async def at_hotel(client: httpx.AsyncClient, hotel: Any) -> httpx.Response:
    inbox = await client.get("/inbox")
    return await client.post(
        "/hotels/switch", data={"hotel_id": str(hotel.id), "_csrf": csrf_from(inbox.text)}
    )


async def set_active(admin: httpx.AsyncClient, staff_id: Any, *, active: bool) -> httpx.Response:
    page = await admin.get("/admin/staff")
    action = "activate" if active else "deactivate"
    return await admin.post(f"/admin/staff/{staff_id}/{action}", data={"_csrf": csrf_from(page.text)})


def socket(server: str, client: httpx.AsyncClient) -> Any:
    cookies = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    return websockets.connect(
        server.replace("http://", "ws://") + "/live",
        additional_headers={"Cookie": cookies, "Origin": server},
    )


async def receive_until(live: Any, needle: str) -> str:
    while True:
        frame = str(await asyncio.wait_for(live.recv(), 5))
        if needle in frame:
            return frame


async def closed_code(live: Any) -> int:
    with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
        for _ in range(20):
            await asyncio.wait_for(live.recv(), 5)
    return closed.value.rcvd.code


async def guest_writes(server: str, hotel: Any, token: str, text: str) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{server}/webhooks/green-api",
            json=incoming(hotel.green_api_instance_id, text=text),
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200


async def test_another_hotel_cannot_lock_a_shared_colleague_out_of_yours(server, world) -> None:
    sam_at_aurora = await signed_in(server, SAM)
    sam_at_borealis = await signed_in(server, SAM)
    bella = await signed_in(server, "bella@borealis.example")
    alex = await signed_in(server, "alex@aurora.example")
    try:
        assert (await at_hotel(sam_at_aurora, world.aurora)).status_code == 303
        assert (await at_hotel(sam_at_borealis, world.borealis)).status_code == 303
        async with socket(server, sam_at_aurora) as live:
            await receive_until(live, 'id="inbox-list"')
            assert (await set_active(bella, world.sam, active=False)).status_code in (200, 303)

            # Borealis is closed to Sam: that session ends, and he cannot switch back to it.
            assert (await sam_at_borealis.get("/inbox", follow_redirects=False)).status_code == 303
            # Aurora goes on as before: the page, the live feed, a fresh sign-in.
            inbox = await sam_at_aurora.get("/inbox")
            assert inbox.status_code == 200
            assert "Hotel Aurora" in inbox.text
            await guest_writes(server, world.aurora, "hook-a", "Still there for Aurora?")
            await receive_until(live, "Still there for Aurora?")
        again = await signed_in(server, SAM)
        assert "Hotel Aurora" in (await again.get("/inbox")).text
        assert (await at_hotel(again, world.borealis)).status_code == 403
        await again.aclose()
        assert "deactivated" in (await bella.get("/admin/staff")).text
        aurora_staff = (await alex.get("/admin/staff")).text
        assert "deactivated" not in aurora_staff
    finally:
        for client in (sam_at_aurora, sam_at_borealis, bella, alex):
            await client.aclose()


async def test_another_hotel_cannot_let_back_in_whom_you_offboarded(server, world) -> None:
    sam = await signed_in(server, SAM)
    alex = await signed_in(server, "alex@aurora.example")
    bella = await signed_in(server, "bella@borealis.example")
    try:
        assert (await at_hotel(sam, world.aurora)).status_code == 303
        async with socket(server, sam) as live:
            await receive_until(live, 'id="inbox-list"')
            assert (await set_active(alex, world.sam, active=False)).status_code in (200, 303)
            assert await closed_code(live) == 4401
        assert (await sam.get("/inbox", follow_redirects=False)).status_code == 303

        # Borealis "activates" him (he was never inactive there): Aurora stays closed.
        assert (await set_active(bella, world.sam, active=True)).status_code in (200, 303)
        back = await signed_in(server, SAM)
        inbox = await back.get("/inbox")
        assert "Hotel Borealis" in inbox.text
        assert "Hotel Aurora" not in inbox.text
        assert (await at_hotel(back, world.aurora)).status_code == 403
        await back.aclose()

        # Only Aurora's admin lets him back into Aurora.
        assert (await set_active(alex, world.sam, active=True)).status_code in (200, 303)
        returning = await signed_in(server, SAM)
        assert (await at_hotel(returning, world.aurora)).status_code == 303
        assert "Hotel Aurora" in (await returning.get("/inbox")).text
        await returning.aclose()
    finally:
        for client in (sam, alex, bella):
            await client.aclose()


async def test_someone_no_hotel_lets_in_cannot_sign_in(server, world) -> None:
    alex = await signed_in(server, "alex@aurora.example")
    bella = await signed_in(server, "bella@borealis.example")
    try:
        await set_active(alex, world.sam, active=False)
        await set_active(bella, world.sam, active=False)
        client, refused = await sign_in(server, SAM)
        await client.aclose()
        assert refused.status_code == 401
        assert (await set_active(bella, world.sam, active=True)).status_code in (200, 303)
        client, allowed = await sign_in(server, SAM)
        await client.aclose()
        assert allowed.status_code == 303
    finally:
        await alex.aclose()
        await bella.aclose()


def hotelbot(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "REDIS_PREFIX": settings.redis_prefix,
    }
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_the_operator_disables_an_account_everywhere_and_enables_it(server, world, settings) -> None:
    sam = await signed_in(server, SAM)
    alex = await signed_in(server, "alex@aurora.example")
    try:
        async with socket(server, sam) as live:
            await receive_until(live, 'id="inbox-list"')
            disabled = await asyncio.to_thread(hotelbot, settings, "staff", "disable", "--email", SAM)
            assert disabled.returncode == 0, disabled.stderr
            assert "disabled at every hotel" in disabled.stdout
            assert await closed_code(live) == 4401
        assert (await sam.get("/inbox", follow_redirects=False)).status_code == 303
        client, refused = await sign_in(server, SAM)
        await client.aclose()
        assert refused.status_code == 401
        assert "account disabled by the operator" in (await alex.get("/admin/staff")).text
        # A hotel admin cannot undo the operator's decision.
        await set_active(alex, world.sam, active=True)
        client, still_refused = await sign_in(server, SAM)
        await client.aclose()
        assert still_refused.status_code == 401

        enabled = await asyncio.to_thread(hotelbot, settings, "staff", "enable", "--email", SAM.upper())
        assert enabled.returncode == 0, enabled.stderr
        client, allowed = await sign_in(server, SAM)
        await client.aclose()
        assert allowed.status_code == 303
    finally:
        await sam.aclose()
        await alex.aclose()


def test_disabling_an_unknown_email_says_so(settings, sessions) -> None:
    result = hotelbot(settings, "staff", "disable", "--email", "nobody@hotels.example")
    assert result.returncode != 0
    assert "no staff account with email nobody@hotels.example" in result.stderr
    assert "Traceback" not in result.stderr


async def test_whom_a_hotel_offboarded_is_not_offered_for_conversations_nor_given_one(
    server, world, sessions
) -> None:
    alex = await signed_in(server, "alex@aurora.example")
    try:
        await guest_writes(server, world.aurora, "hook-a", "Can someone help me?")
        async with sessions() as db:
            conversation_id = (await db.execute(select(Conversation.id))).scalar_one()
        page = f"/conversations/{conversation_id}"
        assert f'value="{world.sam}"' in (await alex.get(page)).text, "Sam works here: offered"
        assert (await set_active(alex, world.sam, active=False)).status_code in (200, 303)

        header = (await alex.get(page)).text
        assert f'value="{world.sam}"' not in header, "offboarded: not in the assign list"
        assert "Sam" in (await alex.get("/admin/staff")).text, "still listed where admins re-enable him"
        refused = await alex.post(
            f"{page}/assign", data={"staff_id": str(world.sam), "_csrf": csrf_from(header)}
        )
        assert refused.status_code == 404, "nor can a form give him the conversation"
        async with sessions() as db:
            assert (await db.execute(select(Conversation.assigned_staff_id))).scalar_one() is None
    finally:
        await alex.aclose()
