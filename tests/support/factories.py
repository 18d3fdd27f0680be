"""Test data built through the real models (polyfactory-style defaults, real rows)."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.hotels.models import Hotel
from domain.knowledge.models import KnowledgeEntry

DEMO_KNOWLEDGE = [
    (
        "Breakfast",
        "Breakfast is served daily from 7:00 to 10:30 in the Garden Restaurant on the ground floor.",
    ),
    ("Wi-Fi", "Free Wi-Fi everywhere: network HotelAurora-Guest, password sunrise2024."),
    ("Parking", "Underground parking is available for 18 EUR per night; the entrance is on Lindenstrasse."),
    ("Check-in and check-out", "Check-in is from 15:00, check-out until 11:00. Late check-out on request."),
    ("Spa and pool", "The spa with pool and sauna is open 7:00-21:00 on the 5th floor."),
    ("Pets", "Dogs and cats are welcome for 15 EUR per night."),
    ("Airport transfer", "Airport shuttle to BER runs every hour from 5:00 to 23:00, 25 EUR per person."),
]


async def make_hotel(
    sessions: async_sessionmaker[AsyncSession],
    *,
    instance_id: int | None = None,
    api_token: str = "api-token",
    webhook_token: str | None = None,
    knowledge: list[tuple[str, str]] | None = None,
    **overrides: Any,
) -> Hotel:
    async with sessions() as session, session.begin():
        hotel = Hotel(
            name=overrides.pop("name", "Hotel Aurora"),
            slug=overrides.pop("slug", f"aurora-{secrets.token_hex(3)}"),
            green_api_instance_id=instance_id or int("11" + str(secrets.randbelow(10**8)).zfill(8)),
            green_api_token=api_token,
            webhook_token=webhook_token or secrets.token_urlsafe(16),
            persona=overrides.pop("persona", "Friendly, concise, professional."),
            facts=overrides.pop("facts", "Hotel Aurora, Lindenstrasse 5, Berlin. Reception open 24/7."),
            languages=["en", "de"],
            **overrides,
        )
        session.add(hotel)
        await session.flush()
        for title, body in DEMO_KNOWLEDGE if knowledge is None else knowledge:
            session.add(
                KnowledgeEntry(
                    hotel_id=hotel.id, title=title, body=body, language="en", search_config="english"
                )
            )
    return hotel


def incoming(
    id_instance: int,
    *,
    text: str = "Hello",
    chat_id: str = "491701234567@c.us",
    id_message: str | None = None,
    sender_name: str = "Anna",
    message_data: dict[str, Any] | None = None,
    kind: str = "incomingMessageReceived",
) -> dict[str, Any]:
    return {
        "typeWebhook": kind,
        "instanceData": {"idInstance": id_instance, "wid": "4930123456@c.us", "typeInstance": "whatsapp"},
        "timestamp": 1764480000,
        "idMessage": id_message or secrets.token_hex(10).upper(),
        "senderData": {
            "chatId": chat_id,
            "sender": chat_id,
            "chatName": sender_name,
            "senderName": sender_name,
        },
        "messageData": message_data
        or {"typeMessage": "textMessage", "textMessageData": {"textMessage": text}},
    }


def status(
    id_instance: int, id_message: str, value: str, chat_id: str = "491701234567@c.us"
) -> dict[str, Any]:
    return {
        "typeWebhook": "outgoingMessageStatus",
        "instanceData": {"idInstance": id_instance, "wid": "4930123456@c.us", "typeInstance": "whatsapp"},
        "timestamp": 1764480001,
        "idMessage": id_message,
        "chatId": chat_id,
        "status": value,
        "sendByApi": True,
    }
