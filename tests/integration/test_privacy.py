"""Guest data protection: export, erasure that leaves no trace, the retention purge."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text, update

from domain.conversations.models import Conversation, Message, Note
from domain.guests.privacy import purge_expired_messages
from domain.hotels.models import Hotel
from domain.requests.models import ServiceRequest
from domain.staff.models import Role
from tests.support.factories import incoming, make_hotel
from tests.support.web import make_staff, sign_in
from web.app import create_app

ROOT = Path(__file__).resolve().parents[2]
PHONE_DIGITS = "491701234567"
SECRET_TEXT = "my booking reference is ZX-99817"


@pytest.fixture
async def world(sessions: Any) -> dict[str, Any]:
    aurora = await make_hotel(sessions, name="Hotel Aurora", webhook_token="hook-a")
    borealis = await make_hotel(sessions, name="Hotel Borealis", webhook_token="hook-b")
    await make_staff(sessions, aurora.id, "alex@aurora.example", Role.ADMIN, "Alex")
    await make_staff(sessions, aurora.id, "anna@aurora.example", Role.AGENT, "Anna")
    await make_staff(sessions, borealis.id, "bella@borealis.example", Role.ADMIN, "Bella")
    return {"aurora": aurora, "borealis": borealis}


async def seed_guest(client: Any, sessions: Any, hotel: Any) -> Conversation:
    for body_text in ("Hello, I am Lucia", SECRET_TEXT):
        body = incoming(
            hotel.green_api_instance_id, text=body_text, chat_id=f"{PHONE_DIGITS}@c.us", sender_name="Lucia"
        )
        assert (
            await client.post("/webhooks/green-api", json=body, headers={"Authorization": "Bearer hook-a"})
        ).status_code == 200
    group = incoming(
        hotel.green_api_instance_id, text="group hello from Lucia", chat_id="120363000000000001@g.us"
    )
    group["senderData"]["sender"] = f"{PHONE_DIGITS}@c.us"
    await client.post("/webhooks/green-api", json=group, headers={"Authorization": "Bearer hook-a"})
    async with sessions() as db, db.begin():
        conversation = (
            await db.execute(
                select(Conversation)
                .join(Message, Message.conversation_id == Conversation.id)
                .where(Message.chat_id == f"{PHONE_DIGITS}@c.us")
                .limit(1)
            )
        ).scalar_one()
        db.add(
            Note(
                hotel_id=hotel.id, conversation_id=conversation.id, text=f"Lucia called from +{PHONE_DIGITS}"
            )
        )
        db.add(
            ServiceRequest(
                hotel_id=hotel.id,
                conversation_id=conversation.id,
                guest_id=conversation.guest_id,
                category="housekeeping",
                details="towels",
                room="312",
                status="open",
                created_by="ai",
            )
        )
    return conversation


async def database_text(sessions: Any) -> str:
    """Every row of every table, as text: what an erasure must leave clean."""
    async with sessions() as db:
        tables = (
            (await db.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")))
            .scalars()
            .all()
        )
        chunks = []
        for table in tables:
            rows = (await db.execute(text(f'SELECT row_to_json(t)::text FROM "{table}" t'))).scalars().all()
            chunks.extend(rows)
    return "\n".join(chunks)


async def test_export_then_erase_leaves_no_trace(settings: Any, sessions: Any, world: Any) -> None:
    async with AsyncTestClient(app=create_app(settings)) as client:
        conversation = await seed_guest(client, sessions, world["aurora"])
        assert PHONE_DIGITS in await database_text(sessions)
        csrf = await sign_in(client, "alex@aurora.example")
        exported = await client.get(f"/admin/guests/{conversation.guest_id}/export")
        assert exported.status_code == 200
        assert "attachment" in exported.headers["content-disposition"]
        data = exported.json()
        assert data["guest"]["phone"] == f"+{PHONE_DIGITS}"
        assert SECRET_TEXT in [m["text"] for m in data["messages"]]
        assert data["service_requests"][0]["room"] == "312"
        refused = await client.post(f"/admin/guests/{conversation.guest_id}/erase", data={"_csrf": csrf})
        assert refused.status_code == 400
        erased = await client.post(
            f"/admin/guests/{conversation.guest_id}/erase", data={"_csrf": csrf, "confirm": "erase"}
        )
        assert erased.status_code in (200, 303)
    remaining = await database_text(sessions)
    assert PHONE_DIGITS not in remaining
    assert SECRET_TEXT not in remaining
    assert "group hello from Lucia" not in remaining


async def test_agents_and_other_hotels_cannot_export_or_erase(
    settings: Any, sessions: Any, world: Any
) -> None:
    async with AsyncTestClient(app=create_app(settings)) as client:
        conversation = await seed_guest(client, sessions, world["aurora"])
        csrf = await sign_in(client, "anna@aurora.example")
        assert (await client.get(f"/admin/guests/{conversation.guest_id}/export")).status_code == 403
        client.cookies.clear()
        csrf = await sign_in(client, "bella@borealis.example")
        export = await client.get(f"/admin/guests/{conversation.guest_id}/export")
        assert export.status_code == 404
        assert SECRET_TEXT not in export.text
        erase = await client.post(
            f"/admin/guests/{conversation.guest_id}/erase", data={"_csrf": csrf, "confirm": "erase"}
        )
        assert erase.status_code == 404
    assert SECRET_TEXT in await database_text(sessions)


async def test_cli_export_and_erase(settings: Any, sessions: Any, world: Any) -> None:
    async with AsyncTestClient(app=create_app(settings)) as client:
        await seed_guest(client, sessions, world["aurora"])
    env = {**os.environ, "DATABASE_URL": settings.database_url}
    slug = world["aurora"].slug
    exported = subprocess.run(
        [sys.executable, "-m", "cli", "guest", "export", "--hotel", slug, "--phone", f"+{PHONE_DIGITS}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert exported.returncode == 0, exported.stderr
    assert SECRET_TEXT in [m["text"] for m in json.loads(exported.stdout)["messages"]]
    unconfirmed = subprocess.run(
        [sys.executable, "-m", "cli", "guest", "erase", "--hotel", slug, "--phone", f"+{PHONE_DIGITS}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert unconfirmed.returncode != 0
    assert "--yes" in unconfirmed.stderr
    erased = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli",
            "guest",
            "erase",
            "--hotel",
            slug,
            "--phone",
            f"+{PHONE_DIGITS}",
            "--yes",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert erased.returncode == 0, erased.stderr
    assert PHONE_DIGITS not in await database_text(sessions)


async def test_retention_purges_only_old_messages_of_hotels_with_a_policy(
    settings: Any, sessions: Any, world: Any
) -> None:
    async with AsyncTestClient(app=create_app(settings)) as client:
        for hotel, token in ((world["aurora"], "hook-a"), (world["borealis"], "hook-b")):
            for body_text in ("old message", "new message"):
                body = incoming(hotel.green_api_instance_id, text=body_text)
                await client.post(
                    "/webhooks/green-api", json=body, headers={"Authorization": f"Bearer {token}"}
                )
    now = datetime.datetime.now(datetime.UTC)
    async with sessions() as db, db.begin():
        await db.execute(update(Hotel).where(Hotel.id == world["aurora"].id).values(retention_days=30))
        await db.execute(
            update(Message)
            .where(Message.text == "old message")
            .values(created_at=now - datetime.timedelta(days=45))
        )
    async with sessions() as db, db.begin():
        removed = await purge_expired_messages(db, now)
    assert removed == 1
    async with sessions() as db:
        left = sorted((h, t) for h, t in (await db.execute(select(Message.hotel_id, Message.text))).all())
    assert (world["aurora"].id, "old message") not in left
    assert (world["aurora"].id, "new message") in left
    assert (world["borealis"].id, "old message") in left, "no policy, nothing purged"


LID = "104236588716712@lid"
OTHER_LID = "999888777666555@lid"


def hotelbot(settings: Any, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": settings.database_url}
    return subprocess.run(
        [sys.executable, "-m", "cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


async def test_cli_finds_a_lid_guest_by_their_number_or_their_lid_and_erases_both(
    settings: Any, sessions: Any, world: Any
) -> None:
    hotel = world["aurora"]
    async with AsyncTestClient(app=create_app(settings)) as client:
        known = incoming(hotel.green_api_instance_id, text=SECRET_TEXT, chat_id=LID, sender_name="Lucia")
        known["senderData"]["senderPhoneNumber"] = int(PHONE_DIGITS)  # docs/external-apis.md §A9
        unknown = incoming(hotel.green_api_instance_id, text="no number shared", chat_id=OTHER_LID)
        in_a_group = incoming(
            hotel.green_api_instance_id, text="group hello from Lucia", chat_id="120363000000000001@g.us"
        )
        in_a_group["senderData"]["sender"] = f"{PHONE_DIGITS}@c.us"  # under her other id
        for body in (known, unknown, in_a_group):
            response = await client.post(
                "/webhooks/green-api", json=body, headers={"Authorization": "Bearer hook-a"}
            )
            assert response.status_code == 200
    for given in (f"+{PHONE_DIGITS}", f"+49 170 {PHONE_DIGITS[5:]}", LID):
        exported = hotelbot(settings, "guest", "export", "--hotel", hotel.slug, "--phone", given)
        assert exported.returncode == 0, exported.stderr
        data = json.loads(exported.stdout)
        assert data["guest"]["phone"] == f"+{PHONE_DIGITS}"
        assert [m["text"] for m in data["messages"]] == [SECRET_TEXT]
    by_lid = hotelbot(settings, "guest", "export", "--hotel", hotel.slug, "--phone", OTHER_LID)
    assert by_lid.returncode == 0, by_lid.stderr
    assert [m["text"] for m in json.loads(by_lid.stdout)["messages"]] == ["no number shared"]
    not_a_number = hotelbot(settings, "guest", "export", "--hotel", hotel.slug, "--phone", "999888777666555")
    assert not_a_number.returncode != 0, "a lid's digits are not a phone number"
    erased = hotelbot(
        settings, "guest", "erase", "--hotel", hotel.slug, "--phone", f"+{PHONE_DIGITS}", "--yes"
    )
    assert erased.returncode == 0, erased.stderr
    remaining = await database_text(sessions)
    assert PHONE_DIGITS not in remaining
    assert LID.removesuffix("@lid") not in remaining
    assert SECRET_TEXT not in remaining
    assert "group hello from Lucia" not in remaining
    assert "no number shared" in remaining, "the other guest is untouched"
