"""The guest panel names a guest by their number when it is known, else by their @lid id, marked as
such (docs/external-apis.md §A9)."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import select

from domain.conversations.models import Message
from domain.staff.models import Role
from tests.support.factories import incoming, make_hotel
from tests.support.web import make_staff, sign_in
from web.app import create_app

LID = "104236588716712@lid"


def guest_panel(page: str) -> str:
    found = re.search(r'<aside id="guest-panel".*?</dl>', page, re.S)
    assert found, page[:2000]
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(0)).split())


async def conversation_of(sessions: Any, chat_id: str) -> Any:
    async with sessions() as session:
        return (
            await session.execute(select(Message.conversation_id).where(Message.chat_id == chat_id))
        ).scalar_one()


async def test_the_panel_shows_the_number_when_known_else_the_lid_marked_as_such(
    settings: Any, sessions: Any
) -> None:
    hotel = await make_hotel(sessions, webhook_token="hook-a")
    await make_staff(sessions, hotel.id, "anna@aurora.example", Role.AGENT, "Anna")
    with_number = incoming(hotel.green_api_instance_id, text="hi", chat_id="222333444555666@lid")
    with_number["senderData"]["senderPhoneNumber"] = 491709876543
    async with AsyncTestClient(app=create_app(settings)) as client:
        for body in (
            incoming(hotel.green_api_instance_id, text="hi", chat_id=LID, sender_name="Lucia"),
            with_number,
            incoming(hotel.green_api_instance_id, text="hi", chat_id="491701234567@c.us"),
        ):
            response = await client.post(
                "/webhooks/green-api", json=body, headers={"Authorization": "Bearer hook-a"}
            )
            assert response.status_code == 200
        await sign_in(client, "anna@aurora.example")
        lid_only = guest_panel(
            (await client.get(f"/conversations/{await conversation_of(sessions, LID)}")).text
        )
        assert f"WhatsApp ID {LID} (lid; number not shared)" in lid_only
        assert "Phone" not in lid_only
        assert "+104236588716712" not in lid_only
        both = guest_panel(
            (
                await client.get(f"/conversations/{await conversation_of(sessions, '222333444555666@lid')}")
            ).text
        )
        assert "Phone +491709876543" in both
        assert "WhatsApp ID 222333444555666@lid (lid)" in both
        number = guest_panel(
            (await client.get(f"/conversations/{await conversation_of(sessions, '491701234567@c.us')}")).text
        )
        assert "Phone +491701234567" in number
        assert "WhatsApp ID" not in number
