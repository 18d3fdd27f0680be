"""POST /webhooks/green-api against real PostgreSQL and Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis
from sqlalchemy import func, select

from domain.conversations.models import Author, Conversation, Delivery, Direction, Message, State
from domain.hotels.models import Hotel, InstanceEvent
from domain.ports import AI_QUEUE
from domain.settings import Settings
from tests.support.factories import incoming, make_hotel, status
from web.app import create_app


@pytest.fixture
async def hotel(sessions: Any) -> Hotel:
    return await make_hotel(sessions, webhook_token="hook-secret")


@pytest.fixture
async def client(settings: Settings, sessions: Any) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(app=create_app(settings)) as test_client:
        yield test_client


def auth(token: str = "hook-secret") -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def messages(sessions: Any) -> list[Message]:
    async with sessions() as session:
        return list((await session.execute(select(Message).order_by(Message.created_at))).scalars())


async def ai_jobs_queued(client: AsyncTestClient[Any], settings: Settings) -> int:
    redis = Redis.from_url(settings.redis_url)
    try:
        return int(await redis.zcard(f"{settings.redis_prefix}{AI_QUEUE}"))
    finally:
        await redis.aclose()


async def test_text_message_is_stored_and_wakes_the_ai(client, hotel, sessions, settings) -> None:
    response = await client.post(
        "/webhooks/green-api",
        json=incoming(hotel.green_api_instance_id, text="When is breakfast?"),
        headers=auth(),
    )
    assert response.status_code == 200
    assert response.json() == {"status": "accepted"}
    [message] = await messages(sessions)
    assert (message.text, message.author, message.direction, message.status) == (
        "When is breakfast?",
        Author.GUEST,
        Direction.IN,
        Delivery.RECEIVED,
    )
    async with sessions() as session:
        conversation = (await session.execute(select(Conversation))).scalar_one()
    assert conversation.state is State.AI
    assert conversation.ai_pending_since is not None
    assert conversation.last_message_preview == "When is breakfast?"
    assert await ai_jobs_queued(client, settings) == 1


async def test_bare_token_is_accepted(client, hotel) -> None:
    response = await client.post(
        "/webhooks/green-api",
        json=incoming(hotel.green_api_instance_id),
        headers={"Authorization": "hook-secret"},
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic hook-secret"},
    ],
)
async def test_missing_or_wrong_token_is_401(client, hotel, sessions, headers) -> None:
    response = await client.post(
        "/webhooks/green-api", json=incoming(hotel.green_api_instance_id), headers=headers
    )
    assert response.status_code == 401
    assert await messages(sessions) == []


async def test_unknown_instance_gets_the_same_401(client, hotel) -> None:
    unknown = await client.post("/webhooks/green-api", json=incoming(999999), headers=auth())
    wrong = await client.post(
        "/webhooks/green-api", json=incoming(hotel.green_api_instance_id), headers=auth("nope")
    )
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "malformed JSON"),
        (b"[1, 2]", "body must be an object"),
        (b'{"typeWebhook": "incomingMessageReceived"}', "instanceData must be an object"),
        (b'{"instanceData": {"idInstance": "abc"}}', "idInstance"),
    ],
)
async def test_malformed_bodies_are_400_with_a_reason(client, hotel, body, reason) -> None:
    response = await client.post(
        "/webhooks/green-api", content=body, headers={**auth(), "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert reason in response.json()["detail"]


async def test_message_without_id_is_400(client, hotel, sessions) -> None:
    body = incoming(hotel.green_api_instance_id)
    del body["idMessage"]
    response = await client.post("/webhooks/green-api", json=body, headers=auth())
    assert response.status_code == 400
    assert "idMessage" in response.json()["detail"]
    assert await messages(sessions) == []


async def test_body_over_one_mebibyte_is_413(client, hotel) -> None:
    body = incoming(hotel.green_api_instance_id, text="x" * (1024 * 1024 + 10))
    response = await client.post("/webhooks/green-api", json=body, headers=auth())
    assert response.status_code == 413


async def test_chunked_body_over_one_mebibyte_is_413_and_nothing_is_stored(settings, hotel, sessions) -> None:
    """No Content-Length to go by: the body is cut off as it arrives, past the limit."""
    import httpx

    from tests.support.servers import serve_app

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"typeWebhook": "incomingMessageReceived", "padding": "'
        for _ in range(20):
            yield b"x" * 65536

    with serve_app(create_app(settings)) as url:
        async with httpx.AsyncClient(base_url=url) as http:
            response = await http.post("/webhooks/green-api", content=chunks(), headers=auth())
    assert response.status_code == 413
    assert "1 MiB" in response.json()["detail"]
    assert await messages(sessions) == []


async def test_other_methods_are_405(client, hotel) -> None:
    response = await client.get("/webhooks/green-api", headers=auth())
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


async def test_duplicate_delivered_three_times_is_one_message_and_one_ai_job(
    client, hotel, sessions, settings
) -> None:
    body = incoming(hotel.green_api_instance_id, text="Is there parking?", id_message="3EB0C767D097B7C7C030")
    for _ in range(3):
        assert (await client.post("/webhooks/green-api", json=body, headers=auth())).status_code == 200
    assert [m.text for m in await messages(sessions)] == ["Is there parking?"]
    assert await ai_jobs_queued(client, settings) == 1


async def test_same_id_message_in_two_chats_is_two_messages(client, hotel, sessions) -> None:
    for chat in ("491701111111@c.us", "491702222222@c.us"):
        body = incoming(hotel.green_api_instance_id, chat_id=chat, id_message="ABCDEF0123456789")
        assert (await client.post("/webhooks/green-api", json=body, headers=auth())).status_code == 200
    assert len(await messages(sessions)) == 2


MESSAGE_KINDS = [
    (
        {
            "typeMessage": "extendedTextMessage",
            "extendedTextMessageData": {"text": "Look: https://example.org", "title": "Example"},
        },
        {"text": "Look: https://example.org", "type_message": "extendedTextMessage"},
    ),
    (
        {
            "typeMessage": "imageMessage",
            "fileMessageData": {
                "downloadUrl": "https://media.example/1.jpg",
                "caption": "broken lamp",
                "fileName": "1.jpg",
                "mimeType": "image/jpeg",
            },
        },
        {
            "text": "broken lamp",
            "media_url": "https://media.example/1.jpg",
            "media_mime": "image/jpeg",
            "media_file_name": "1.jpg",
        },
    ),
    (
        {
            "typeMessage": "documentMessage",
            "fileMessageData": {
                "downloadUrl": "https://media.example/p.pdf",
                "fileName": "passport.pdf",
                "mimeType": "application/pdf",
            },
        },
        {"media_url": "https://media.example/p.pdf", "media_file_name": "passport.pdf"},
    ),
    (
        {
            "typeMessage": "locationMessage",
            "locationMessageData": {
                "nameLocation": "Brandenburg Gate",
                "address": "Pariser Platz",
                "latitude": 52.5163,
                "longitude": 13.3777,
            },
        },
        {"latitude": 52.5163, "longitude": 13.3777, "text": "Brandenburg Gate"},
    ),
    (
        {
            "typeMessage": "contactMessage",
            "contactMessageData": {
                "displayName": "Max Mustermann",
                "vcard": "BEGIN:VCARD\nFN:Max\nEND:VCARD",
            },
        },
        {"text": "Max Mustermann"},
    ),
    (
        {
            "typeMessage": "reactionMessage",
            "extendedTextMessageData": {"text": "👍"},
            "quotedMessage": {"stanzaId": "AAA111", "participant": "4930@c.us"},
        },
        {"text": "👍", "quoted_provider_id": "AAA111"},
    ),
    (
        {
            "typeMessage": "textMessage",
            "textMessageData": {"textMessage": "Yes, that one"},
            "quotedMessage": {
                "stanzaId": "BBB222",
                "typeMessage": "textMessage",
                "textMessage": "Shall I book a table?",
            },
        },
        {"text": "Yes, that one", "quoted_provider_id": "BBB222", "quoted_text": "Shall I book a table?"},
    ),
    (
        {"typeMessage": "pollMessage", "pollMessageData": {"name": "?"}},
        {"type_message": "pollMessage", "details": {"unsupported": True}},
    ),
]


@pytest.mark.parametrize(("message_data", "expected"), MESSAGE_KINDS)
async def test_every_message_type_is_stored(client, hotel, sessions, message_data, expected) -> None:
    body = incoming(hotel.green_api_instance_id, message_data=message_data)
    assert (await client.post("/webhooks/green-api", json=body, headers=auth())).status_code == 200
    [message] = await messages(sessions)
    for field, value in expected.items():
        assert getattr(message, field) == value, field


async def test_reaction_does_not_wake_the_ai(client, hotel, settings) -> None:
    data = {
        "typeMessage": "reactionMessage",
        "extendedTextMessageData": {"text": "❤️"},
        "quotedMessage": {"stanzaId": "X1"},
    }
    await client.post(
        "/webhooks/green-api", json=incoming(hotel.green_api_instance_id, message_data=data), headers=auth()
    )
    assert await ai_jobs_queued(client, settings) == 0


async def test_undecryptable_marker_asks_the_guest_to_resend(client, hotel, sessions, settings) -> None:
    body = incoming(hotel.green_api_instance_id, text="{{SWE001}}")
    assert (await client.post("/webhooks/green-api", json=body, headers=auth())).status_code == 200
    stored = await messages(sessions)
    assert [m.author for m in stored] == [Author.GUEST, Author.SYSTEM]
    assert "send it again" in (stored[1].text or "")
    assert stored[1].status is Delivery.QUEUED
    assert await ai_jobs_queued(client, settings) == 0


async def test_group_chat_is_stored_but_the_ai_stays_out(client, hotel, sessions, settings) -> None:
    body = incoming(hotel.green_api_instance_id, chat_id="120363043968066561@g.us", text="Who is coming?")
    assert (await client.post("/webhooks/green-api", json=body, headers=auth())).status_code == 200
    assert [m.text for m in await messages(sessions)] == ["Who is coming?"]
    assert await ai_jobs_queued(client, settings) == 0


async def test_reply_from_the_hotel_phone_takes_over(client, hotel, sessions) -> None:
    iid = hotel.green_api_instance_id
    await client.post("/webhooks/green-api", json=incoming(iid, text="Hi"), headers=auth())
    phone = incoming(iid, text="Hello Anna, this is Mia from reception", kind="outgoingMessageReceived")
    assert (await client.post("/webhooks/green-api", json=phone, headers=auth())).status_code == 200
    stored = await messages(sessions)
    assert [(m.author, m.direction) for m in stored] == [
        (Author.GUEST, Direction.IN),
        (Author.STAFF, Direction.OUT),
    ]
    async with sessions() as session:
        conversation = (await session.execute(select(Conversation))).scalar_one()
    assert conversation.state is State.HUMAN
    assert conversation.ai_pending_since is None


async def test_api_echo_matches_the_outbox_row_and_is_never_stored_twice(client, hotel, sessions) -> None:
    from domain.conversations.outbound import queue_outbound
    from domain.uow import UnitOfWork

    iid = hotel.green_api_instance_id
    await client.post("/webhooks/green-api", json=incoming(iid, text="Hi"), headers=auth())
    [guest_message] = await messages(sessions)

    class Quiet:
        async def publish(self, events): ...
        async def enqueue(self, jobs): ...

    async with UnitOfWork(sessions, Quiet()) as uow:
        queue_outbound(
            uow,
            hotel_id=hotel.id,
            conversation_id=guest_message.conversation_id,
            chat_id=guest_message.chat_id,
            text="Welcome!",
            author=Author.AI,
        )
    echo = incoming(iid, text="Welcome!", id_message="ECHO0001", kind="outgoingAPIMessageReceived")
    for _ in range(2):
        assert (await client.post("/webhooks/green-api", json=echo, headers=auth())).status_code == 200
    stored = await messages(sessions)
    assert len(stored) == 2
    assert stored[1].provider_message_id == "ECHO0001"


async def test_delivery_ticks_only_move_forward(client, hotel, sessions) -> None:
    iid = hotel.green_api_instance_id
    await client.post("/webhooks/green-api", json=incoming(iid, text="Hi"), headers=auth())
    await client.post(
        "/webhooks/green-api",
        json=incoming(iid, text="Welcome", id_message="OUT1", kind="outgoingMessageReceived"),
        headers=auth(),
    )
    for value in ("read", "delivered", "sent"):
        assert (
            await client.post("/webhooks/green-api", json=status(iid, "OUT1", value), headers=auth())
        ).status_code == 200
    out = next(m for m in await messages(sessions) if m.provider_message_id == "OUT1")
    assert out.status is Delivery.READ


async def test_failed_status_records_the_error(client, hotel, sessions) -> None:
    iid = hotel.green_api_instance_id
    await client.post(
        "/webhooks/green-api",
        json=incoming(iid, text="Hi", id_message="OUT2", kind="outgoingMessageReceived"),
        headers=auth(),
    )
    body = {**status(iid, "OUT2", "noAccount"), "description": "recipient has no WhatsApp"}
    await client.post("/webhooks/green-api", json=body, headers=auth())
    out = (await messages(sessions))[0]
    assert out.status is Delivery.FAILED
    assert "recipient has no WhatsApp" in (out.error or "")


async def test_instance_state_change_is_recorded(client, hotel, sessions) -> None:
    body = {
        "typeWebhook": "stateInstanceChanged",
        "instanceData": {"idInstance": hotel.green_api_instance_id, "wid": "", "typeInstance": "whatsapp"},
        "timestamp": 1764480000,
        "stateInstance": "notAuthorized",
    }
    assert (await client.post("/webhooks/green-api", json=body, headers=auth())).status_code == 200
    async with sessions() as session:
        refreshed = await session.get(Hotel, hotel.id)
        events = (await session.execute(select(InstanceEvent.kind, InstanceEvent.detail))).all()
    assert refreshed.instance_state == "notAuthorized"
    assert [tuple(e) for e in events] == [("stateInstanceChanged", "notAuthorized")]


@pytest.mark.parametrize("kind", ["incomingCall", "deviceInfo", "statusInstanceChanged", "somethingNew"])
async def test_other_webhook_types_are_accepted_and_ignored(client, hotel, sessions, kind) -> None:
    body = {"typeWebhook": kind, "instanceData": {"idInstance": hotel.green_api_instance_id}, "timestamp": 1}
    assert (await client.post("/webhooks/green-api", json=body, headers=auth())).status_code == 200
    assert await messages(sessions) == []


async def conversation_in(state: State, client, hotel, sessions, settings) -> None:
    """A guest's conversation, moved to ``state`` (as staff or a hand-off would), no AI job queued."""
    await client.post(
        "/webhooks/green-api", json=incoming(hotel.green_api_instance_id, text="Hi"), headers=auth()
    )
    async with sessions() as session, session.begin():
        conversation = (await session.execute(select(Conversation))).scalar_one()
        conversation.state = state
        conversation.ai_pending_since = None
        conversation.handoff_reason = "guest_asked_for_person"
    redis = Redis.from_url(settings.redis_url)
    await redis.delete(f"{settings.redis_prefix}{AI_QUEUE}")
    await redis.aclose()


async def test_resolved_conversation_reopens_to_ai_on_a_new_guest_message(
    client, hotel, sessions, settings
) -> None:
    from domain.conversations.models import StateTransition

    iid = hotel.green_api_instance_id
    await conversation_in(State.RESOLVED, client, hotel, sessions, settings)
    await client.post("/webhooks/green-api", json=incoming(iid, text="One more question"), headers=auth())
    async with sessions() as session:
        conversation = (await session.execute(select(Conversation))).scalar_one()
        count = (await session.execute(select(func.count()).select_from(Message))).scalar()
        transitions = (await session.execute(select(StateTransition))).scalars().all()
    assert conversation.state is State.AI
    assert conversation.handoff_reason is None
    assert conversation.ai_pending_since is not None
    assert conversation.last_message_preview == "One more question"
    assert count == 2
    assert [(t.from_state, t.to_state, t.reason) for t in transitions] == [
        (State.RESOLVED, State.AI, "guest_wrote_again")
    ]
    assert await ai_jobs_queued(client, settings) == 1


async def test_a_message_while_staff_handle_the_conversation_leaves_them_in_charge(
    client, hotel, sessions, settings
) -> None:
    iid = hotel.green_api_instance_id
    await conversation_in(State.HUMAN, client, hotel, sessions, settings)
    await client.post("/webhooks/green-api", json=incoming(iid, text="Thanks, Anna"), headers=auth())
    async with sessions() as session:
        conversation = (await session.execute(select(Conversation))).scalar_one()
    assert conversation.state is State.HUMAN
    assert conversation.ai_pending_since is None
    assert conversation.last_message_preview == "Thanks, Anna"
    assert await ai_jobs_queued(client, settings) == 0


async def test_the_database_keeps_a_message_in_its_conversations_hotel(client, hotel, sessions) -> None:
    """A message row naming another hotel than its conversation's is refused by PostgreSQL itself."""
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    other = await make_hotel(sessions, webhook_token="other-secret")
    await client.post("/webhooks/green-api", json=incoming(hotel.green_api_instance_id), headers=auth())
    with pytest.raises(IntegrityError, match="fk_messages_conversation_id_conversations"):
        async with sessions() as session, session.begin():
            await session.execute(text("UPDATE messages SET hotel_id = :other"), {"other": other.id})


async def test_readiness_tolerates_a_newer_migration_but_not_an_older_one(client, sessions) -> None:
    from sqlalchemy import text

    assert (await client.get("/health/ready")).status_code == 200
    async with sessions() as session, session.begin():
        current = (await session.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
        await session.execute(text("UPDATE alembic_version SET version_num = 'ffffffffffff'"))
    try:
        assert (await client.get("/health/ready")).status_code == 200, "a newer release migrated first"
        async with sessions() as session, session.begin():
            await session.execute(text("UPDATE alembic_version SET version_num = '8748c04695f9'"))
        behind = await client.get("/health/ready")
        assert behind.status_code == 503
        assert any("migrations" in failure for failure in behind.json()["failed"])
    finally:
        async with sessions() as session, session.begin():
            await session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": current})


async def test_a_burst_from_a_new_guest_is_stored_whole(settings, hotel, sessions) -> None:
    """Concurrent first messages of one new guest: every message kept, one guest, one conversation."""
    import asyncio

    import httpx

    from domain.guests.models import Guest
    from tests.support.servers import serve_app

    with serve_app(create_app(settings)) as url:
        async with httpx.AsyncClient(base_url=url) as http:
            bodies = [
                incoming(hotel.green_api_instance_id, text=f"part {i}", chat_id="447700900123@c.us")
                for i in range(20)
            ]
            answers = await asyncio.gather(
                *(http.post("/webhooks/green-api", json=b, headers=auth()) for b in bodies)
            )
    assert [a.status_code for a in answers] == [200] * 20
    async with sessions() as session:
        texts = sorted((await session.execute(select(Message.text))).scalars())
        guests = (await session.execute(select(func.count()).select_from(Guest))).scalar()
        conversations = (await session.execute(select(func.count()).select_from(Conversation))).scalar()
    assert texts == sorted(f"part {i}" for i in range(20))
    assert (guests, conversations) == (1, 1)


async def test_a_connection_left_in_a_transaction_goes_back_to_the_pool_clean(settings) -> None:
    """The driver pool skips asyncpg's full reset, but never hands out a half-done transaction."""
    import asyncpg

    from web.app import _rollback_if_open

    pool = await asyncpg.create_pool(settings.asyncpg_dsn, min_size=1, max_size=1, reset=_rollback_if_open)
    try:
        async with pool.acquire() as connection:
            await connection.execute("BEGIN")
            await connection.execute("CREATE TEMP TABLE half_done (x int)")
        async with pool.acquire() as connection:
            assert not connection.is_in_transaction()
            assert await connection.fetchval("SELECT to_regclass('pg_temp.half_done')") is None
    finally:
        await pool.close()
