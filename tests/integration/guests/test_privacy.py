"""Guest data protection: export, erasure that leaves no trace, the retention purge."""

from __future__ import annotations

import contextlib
import datetime
import enum
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text, update

from domain.conversations.models import AiDraft, Author, Conversation, Message, Note, State, StateTransition
from domain.guests.chat_ids import phone_of
from domain.guests.models import Guest
from domain.guests.privacy import erase_guest, export_guest, find_guest, purge_expired_messages
from domain.hotels.models import Hotel, InstanceEvent
from domain.models import metadata
from domain.service_requests.models import ServiceRequest
from domain.staff.models import Role
from tests.support.factories import incoming
from tests.support.uow import unit_of_work
from tests.support.web import sign_in
from tests.support.world import World, build_world
from web.app import create_app

ROOT = Path(__file__).resolve().parents[3]
PHONE_DIGITS = "491701234567"
SECRET_TEXT = "my booking reference is ZX-99817"


@pytest.fixture
async def world(sessions: Any) -> World:
    return await build_world(sessions, bob=False, alex=Role.ADMIN, bella=True)


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
        conversation = await seed_guest(client, sessions, world.aurora)
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
        conversation = await seed_guest(client, sessions, world.aurora)
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
        await seed_guest(client, sessions, world.aurora)
    env = {**os.environ, "DATABASE_URL": settings.database_url}
    slug = world.aurora.slug
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
        for hotel, token in ((world.aurora, "hook-a"), (world.borealis, "hook-b")):
            for body_text in ("old message", "new message"):
                body = incoming(hotel.green_api_instance_id, text=body_text)
                await client.post(
                    "/webhooks/green-api", json=body, headers={"Authorization": f"Bearer {token}"}
                )
    now = datetime.datetime.now(datetime.UTC)
    async with sessions() as db, db.begin():
        await db.execute(update(Hotel).where(Hotel.id == world.aurora.id).values(retention_days=30))
        await db.execute(
            update(Message)
            .where(Message.text == "old message")
            .values(created_at=now - datetime.timedelta(days=45))
        )
    async with unit_of_work(sessions) as uow:
        removed = await purge_expired_messages(uow, now)
    assert removed == 1
    async with sessions() as db:
        left = sorted((h, t) for h, t in (await db.execute(select(Message.hotel_id, Message.text))).all())
    assert (world.aurora.id, "old message") not in left
    assert (world.aurora.id, "new message") in left
    assert (world.borealis.id, "old message") in left, "no policy, nothing purged"


# ---------------------------------------------------------------- erase and export agree


async def webhook(client: Any, body: dict[str, Any]) -> None:
    response = await client.post("/webhooks/green-api", json=body, headers={"Authorization": "Bearer hook-a"})
    assert response.status_code == 200, response.text


def from_lucia(
    hotel: Any, message_data: dict[str, Any], chat_id: str = f"{PHONE_DIGITS}@c.us"
) -> dict[str, Any]:
    body = incoming(
        hotel.green_api_instance_id, chat_id=chat_id, sender_name="Lucia", message_data=message_data
    )
    body["senderData"]["sender"] = f"{PHONE_DIGITS}@c.us"
    return body


def gateway_notice(hotel: Any, chat_id: str) -> dict[str, Any]:
    return {
        "typeWebhook": "incomingBlock",
        "instanceData": {"idInstance": hotel.green_api_instance_id, "wid": "4930123456@c.us"},
        "timestamp": 1764480100,
        "chatId": chat_id,
        "blockStatus": "blocked",
    }


async def seed_everything(client: Any, sessions: Any, hotel: Any) -> Conversation:
    """A guest with one of every kind of data: messages of each type, a group chat, a staff take
    over, reply and note, a handoff, a service request, a gateway notice."""
    await seed_guest(client, sessions, hotel)
    await webhook(
        client,
        from_lucia(
            hotel,
            {
                "typeMessage": "imageMessage",
                "fileMessageData": {
                    "downloadUrl": "https://media.example/lucia-passport.jpg",
                    "caption": "my passport",
                    "fileName": "passport.jpg",
                    "mimeType": "image/jpeg",
                },
            },
        ),
    )
    await webhook(
        client,
        from_lucia(
            hotel,
            {
                "typeMessage": "locationMessage",
                "locationMessageData": {
                    "nameLocation": "Lucia's flat",
                    "address": "Via Roma 12, Milano",
                    "latitude": 45.4642035,
                    "longitude": 9.189982,
                },
            },
        ),
    )
    await webhook(
        client,
        from_lucia(
            hotel,
            {
                "typeMessage": "contactMessage",
                "contactMessageData": {
                    "displayName": "Marco Rossi",
                    "vcard": "BEGIN:VCARD\nFN:Marco Rossi\nTEL:+393331112223\nEND:VCARD",
                },
            },
        ),
    )
    await webhook(
        client,
        from_lucia(
            hotel,
            {
                "typeMessage": "quotedMessage",
                "extendedTextMessageData": {"text": "yes, that one", "stanzaId": "BAE5QUOTED01"},
                "quotedMessage": {"stanzaId": "BAE5QUOTED01", "textMessage": "the blue room?"},
            },
        ),
    )
    await webhook(
        client,
        from_lucia(
            hotel,
            {"typeMessage": "textMessage", "textMessageData": {"textMessage": "Lucia in the group again"}},
            chat_id="120363000000000001@g.us",
        ),
    )
    await webhook(client, gateway_notice(hotel, f"{PHONE_DIGITS}@c.us"))
    await webhook(client, gateway_notice(hotel, "491709999999@c.us"))  # someone else's: must stay
    async with sessions() as db, db.begin():
        conversation = (
            await db.execute(
                select(Conversation)
                .join(Guest, Guest.id == Conversation.guest_id)
                .where(Guest.chat_id == f"{PHONE_DIGITS}@c.us")
            )
        ).scalar_one()
        await db.execute(
            update(Guest).where(Guest.id == conversation.guest_id).values(room="312", language="it")
        )
    csrf = await sign_in(client, "alex@aurora.example")
    headers = {"X-CSRF-Token": csrf, "HX-Request": "true"}
    url = f"/conversations/{conversation.id}"
    assert (await client.post(f"{url}/take-over", headers=headers)).status_code == 204
    assert (
        await client.post(f"{url}/reply", data={"text": "Ciao Lucia!"}, headers=headers)
    ).status_code == 204
    assert (
        await client.post(f"{url}/notes", data={"text": "prefers Italian"}, headers=headers)
    ).status_code == 204
    async with sessions() as db, db.begin():
        await db.execute(
            update(Conversation)
            .where(Conversation.id == conversation.id)
            .values(handoff_reason="complaint", handoff_summary="Lucia is unhappy with the noise")
        )
        db.add(
            StateTransition(
                hotel_id=hotel.id,
                conversation_id=conversation.id,
                from_state=State.AI,
                to_state=State.NEEDS_HUMAN,
                reason="complaint",
                actor="ai",
                summary="Lucia complains about noise in room 312",
            )
        )
        guest_message = (
            (
                await db.execute(
                    select(Message.id).where(
                        Message.conversation_id == conversation.id, Message.author == Author.GUEST
                    )
                )
            )
            .scalars()
            .first()
        )
        db.add(
            AiDraft(
                hotel_id=hotel.id,
                conversation_id=conversation.id,
                trigger_message_id=guest_message,
                text="Certo Lucia, la camera 312 è pronta alle 15:00.",
                why="mode",
                status="discarded",
            )
        )
    return conversation


# Our own bookkeeping, not data about the guest: when a row last changed, how often and since when
# the outbox tried to send a reply; staff members' own read markers.
NOT_ABOUT_THE_GUEST = {"updated_at", "attempts", "send_started_at"}
STAFF_OWN_TABLES = {"conversation_reads"}


async def every_row(sessions: Any) -> dict[str, dict[Any, dict[str, Any]]]:
    async with sessions() as db:
        return {
            table.name: {row["id"]: dict(row) for row in (await db.execute(select(table))).mappings()}
            for table in metadata.sorted_tables
        }


def leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item)
    else:
        yield value


class Export:
    def __init__(self, data: dict[str, Any]):
        values = list(leaves(data))
        self.texts = [v for v in values if isinstance(v, str)]
        self.numbers = {v for v in values if isinstance(v, int | float) and not isinstance(v, bool)}
        self.times = set()
        for text_value in self.texts:
            with contextlib.suppress(ValueError):
                self.times.add(datetime.datetime.fromisoformat(text_value))

    def holds(self, value: Any) -> bool:
        if value is None or value == "" or isinstance(value, bool | uuid.UUID):
            return True  # nothing, or our own row ids
        if isinstance(value, enum.Enum):
            value = value.value
        if isinstance(value, datetime.datetime):
            return value in self.times
        if isinstance(value, dict | list):
            return all(self.holds(leaf) for leaf in leaves(value))
        if isinstance(value, str):
            return any(value in exported for exported in self.texts)
        return value in self.numbers


async def test_the_export_holds_everything_the_erasure_removes(
    settings: Any, sessions: Any, world: Any
) -> None:
    async with AsyncTestClient(app=create_app(settings)) as client:
        conversation = await seed_everything(client, sessions, world.aurora)
        before = await every_row(sessions)
        csrf = await sign_in(client, "alex@aurora.example")
        exported = await client.get(f"/admin/guests/{conversation.guest_id}/export")
        assert exported.status_code == 200
        erased = await client.post(
            f"/admin/guests/{conversation.guest_id}/erase", data={"_csrf": csrf, "confirm": "erase"}
        )
        assert erased.status_code in (200, 303)
    after = await every_row(sessions)
    export = Export(exported.json())

    removed: dict[str, int] = {}
    missing: list[str] = []
    for table, rows in before.items():
        if table in STAFF_OWN_TABLES:
            continue
        for row_id, row in rows.items():
            left = after[table].get(row_id)
            if left is None:
                removed[table] = removed.get(table, 0) + 1
                changed = {k: v for k, v in row.items() if k not in NOT_ABOUT_THE_GUEST}
            else:  # a field the erasure blanked (the group chat's inbox preview)
                changed = {k: v for k, v in row.items() if left[k] != v and k not in NOT_ABOUT_THE_GUEST}
            missing.extend(
                f"{table}.{column} = {value!r}"
                for column, value in changed.items()
                if not export.holds(value)
            )
    assert not missing, "erased but not exported:\n" + "\n".join(missing)
    assert {
        "guests",
        "conversations",
        "messages",
        "notes",
        "state_transitions",
        "service_requests",
        "instance_events",
    } <= set(removed)
    assert removed["instance_events"] == 1, "the other guest's notice stays"


async def test_erasing_a_guest_whose_chat_id_holds_like_wildcards_leaves_other_guests_alone(
    settings: Any, sessions: Any, world: Any
) -> None:
    hotel = world.aurora
    async with AsyncTestClient(app=create_app(settings)) as client:
        for chat_id in ("491701111111@c.us", "491702222222@c.us", "%@c.us", "4917_3333333@c.us"):
            await webhook(client, gateway_notice(hotel, chat_id))
    async with sessions() as db, db.begin():
        for chat_id in ("%@c.us", "4917_3333333@c.us"):
            db.add(Guest(hotel_id=hotel.id, chat_id=chat_id, phone=phone_of(chat_id), name="Wildcard"))
    for chat_id in ("%@c.us", "4917_3333333@c.us"):
        async with unit_of_work(sessions) as uow:
            db = uow.session
            guest = (await db.execute(select(Guest).where(Guest.chat_id == chat_id))).scalar_one()
            exported = await export_guest(db, hotel.id, guest)
            assert [e["detail"] for e in exported["gateway_events"]] == [chat_id]
            await erase_guest(uow, hotel.id, guest)
    async with sessions() as db:
        details = sorted((await db.execute(select(InstanceEvent.detail))).scalars().all())
    assert details == ["491701111111@c.us", "491702222222@c.us"]


async def test_a_number_inside_a_longer_one_is_another_guest(
    settings: Any, sessions: Any, world: Any
) -> None:
    hotel = world.aurora
    async with AsyncTestClient(app=create_app(settings)) as client:
        await seed_guest(client, sessions, hotel)
        await webhook(client, gateway_notice(hotel, f"{PHONE_DIGITS}@c.us"))
        await webhook(client, gateway_notice(hotel, f"1{PHONE_DIGITS}@c.us"))
    async with unit_of_work(sessions) as uow:
        guest = await find_guest(uow.session, hotel.id, phone=f"+{PHONE_DIGITS}")
        await erase_guest(uow, hotel.id, guest)
    async with sessions() as db:
        details = (await db.execute(select(InstanceEvent.detail))).scalars().all()
    assert details == [f"1{PHONE_DIGITS}@c.us"]


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
    hotel = world.aurora
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
