"""POST /webhooks/green-api with bodies no real Green API sends: never a 500, and nothing a guest
wrote is lost (real app, real PostgreSQL and Redis)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from domain.conversations.models import Message
from domain.guests.models import Guest
from domain.hotels.models import Hotel, InstanceEvent
from domain.integrations.green_api_limits import (
    MAX_DETAIL_DEPTH,
    MAX_DETAIL_ITEMS,
    MAX_NAME,
    MAX_QUOTED_TEXT,
    MAX_TEXT,
    MAX_TYPE_MESSAGE,
    TRUNCATED,
)
from domain.settings import Settings
from tests.support.factories import incoming, make_hotel, status
from web.app import create_app

HOOK = "/webhooks/green-api"
AUTH = {"Authorization": "Bearer hook-secret"}
GUEST = "491701234567@c.us"


@pytest.fixture
async def hotel(sessions: Any) -> Hotel:
    return await make_hotel(sessions, webhook_token="hook-secret")


@pytest.fixture
async def client(settings: Settings, sessions: Any) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(app=create_app(settings)) as test_client:
        yield test_client


async def post(client: AsyncTestClient[Any], body: dict[str, Any] | bytes) -> Any:
    if isinstance(body, bytes):
        return await client.post(HOOK, content=body, headers={**AUTH, "Content-Type": "application/json"})
    return await client.post(HOOK, json=body, headers=AUTH)


async def the_message(sessions: Any) -> Message:
    async with sessions() as session:
        [message] = (await session.execute(select(Message))).scalars().all()
    return message


def depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


def nested(levels: int, leaf: Any = "BEGIN:VCARD") -> Any:
    value = leaf
    for _ in range(levels):
        value = [value]
    return value


# 1. NUL: PostgreSQL's text and jsonb refuse it; the message is kept with U+FFFD in its place.

NUL_CASES = [
    pytest.param(
        {"typeMessage": "textMessage", "textMessageData": {"textMessage": "Room 12\x00 please"}},
        {},
        lambda m, g: m.text == "Room 12\ufffd please",
        id="textMessage",
    ),
    pytest.param(
        None,
        {"senderName": "An\x00na"},
        lambda m, g: m.sender_name == g.name == "An\ufffdna",
        id="senderName",
    ),
    pytest.param(
        None,
        {"chatId": "4917012\x0034567@c.us", "sender": "4917012\x0034567@c.us"},
        lambda m, g: m.chat_id == g.chat_id == "4917012\ufffd34567@c.us",
        id="chatId",
    ),
    pytest.param(
        {
            "typeMessage": "extendedTextMessage",
            "extendedTextMessageData": {"text": "see https://x.example", "title": "Ti\x00tle"},
        },
        {},
        lambda m, g: m.details["title"] == "Ti\ufffdtle",
        id="title",
    ),
    pytest.param(
        {
            "typeMessage": "contactMessage",
            "contactMessageData": {"displayName": "Max", "vcard": "BEGIN:VCARD\x00\nFN:Max\nEND:VCARD"},
        },
        {},
        lambda m, g: m.details["contacts"][0]["vcard"] == "BEGIN:VCARD\ufffd\nFN:Max\nEND:VCARD",
        id="vcard",
    ),
    pytest.param(
        {
            "typeMessage": "contactsArrayMessage",
            "contacts": [{"displayName": "Mia\x00", "vcard": {"n\x00": [{"deep\x00": "v\x00"}]}}],
        },
        {},
        lambda m, g: (
            m.text == "Mia\ufffd"
            and m.details["contacts"][0]["vcard"] == {"n\ufffd": [{"deep\ufffd": "v\ufffd"}]}
        ),
        id="nested-in-details",
    ),
    pytest.param(
        {
            "typeMessage": "textMessage",
            "textMessageData": {"textMessage": "yes"},
            "quotedMessage": {"stanzaId": "AB\x00C", "textMessage": "Shall I\x00 book?"},
        },
        {},
        lambda m, g: (m.quoted_provider_id, m.quoted_text) == ("AB\ufffdC", "Shall I\ufffd book?"),
        id="quotedMessage",
    ),
]


@pytest.mark.parametrize(("message_data", "sender", "check"), NUL_CASES)
async def test_a_nul_anywhere_in_a_guest_message_is_stored_replaced(
    client, hotel, sessions, message_data, sender, check
) -> None:
    body = incoming(hotel.green_api_instance_id, message_data=message_data)
    body["senderData"].update(sender)
    response = await post(client, body)
    assert response.status_code == 200, response.text
    message = await the_message(sessions)
    async with sessions() as session:
        guest = (await session.execute(select(Guest))).scalar_one()
    assert check(message, guest)


async def test_a_nul_in_the_id_of_a_message_still_stores_it_once(client, hotel, sessions) -> None:
    body = incoming(hotel.green_api_instance_id, text="hi", id_message="3EB0\x00C767")
    for _ in range(2):
        assert (await post(client, body)).status_code == 200
    assert (await the_message(sessions)).provider_message_id == "3EB0\ufffdC767"


async def test_a_guest_message_with_a_nul_is_answered_by_the_ai(settings, sessions) -> None:
    import httpx

    from tests.support.stack import eventually, running_stack

    async with running_stack(settings, sessions) as stack:
        body = incoming(stack.hotel.green_api_instance_id, text="When is\x00 breakfast?", sender_name="A\x00")
        async with httpx.AsyncClient() as http:
            response = await http.post(f"{stack.web_url}{HOOK}", json=body, headers=AUTH)
        assert response.status_code == 200
        [reply] = await eventually(stack.replies)
        assert "7:00" in reply, "answered from the knowledge base"
        guest_message, *_ = await stack.messages()
        assert guest_message.text == "When is\ufffd breakfast?"


async def test_a_nul_in_what_the_gateway_reports_is_recorded_replaced(client, hotel, sessions) -> None:
    iid = hotel.green_api_instance_id
    phone = incoming(iid, text="Hello from reception", id_message="OUT1", kind="outgoingMessageReceived")
    assert (await post(client, phone)).status_code == 200
    failed = {**status(iid, "OUT1", "failed"), "description": "no\x00 route"}
    state = {
        "typeWebhook": "stateInstanceChanged",
        "instanceData": {"idInstance": iid},
        "stateInstance": "bl\x00",
    }
    quota = {
        "typeWebhook": "quotaExceeded",
        "instanceData": {"idInstance": iid},
        "quotaData": {"description": "over\x00 quota"},
    }
    block = {"typeWebhook": "incomingBlock", "instanceData": {"idInstance": iid}, "chatId": "49\x00@c.us"}
    for body in (failed, state, quota, block):
        assert (await post(client, body)).status_code == 200, body
    async with sessions() as session:
        out = (await session.execute(select(Message))).scalar_one()
        refreshed = await session.get(Hotel, hotel.id)
        events = sorted((await session.execute(select(InstanceEvent.kind, InstanceEvent.detail))).all())
    assert out.error == "failed: no\ufffd route"
    assert refreshed.instance_state == "bl\ufffd"
    assert [tuple(e) for e in events] == [
        ("incomingBlock", "49\ufffd@c.us"),
        ("quotaExceeded", "over\ufffd quota"),
        ("stateInstanceChanged", "bl\ufffd"),
    ]


# 2. Numbers beyond BIGINT.


@pytest.mark.parametrize("timestamp", [2**63, 2**64 + 5, -(2**63) - 1, 10**300])
@pytest.mark.parametrize("kind", ["incomingMessageReceived", "outgoingMessageReceived"])
async def test_a_timestamp_beyond_bigint_keeps_the_message_without_it(
    client, hotel, sessions, timestamp, kind
) -> None:
    body = {**incoming(hotel.green_api_instance_id, text="late", kind=kind), "timestamp": timestamp}
    assert (await post(client, body)).status_code == 200
    message = await the_message(sessions)
    assert (message.text, message.provider_timestamp) == ("late", None)


async def test_a_timestamp_in_range_is_kept(client, hotel, sessions) -> None:
    body = {**incoming(hotel.green_api_instance_id), "timestamp": 2**63 - 1}
    assert (await post(client, body)).status_code == 200
    assert (await the_message(sessions)).provider_timestamp == 2**63 - 1


@pytest.mark.parametrize("id_instance", [2**63, 10**40, "9223372036854775808", "9" * 5000])
async def test_an_id_instance_beyond_bigint_is_an_unknown_instance(
    client, hotel, sessions, id_instance
) -> None:
    unknown = await post(client, incoming(999999))
    response = await post(client, incoming(id_instance))  # type: ignore[arg-type]
    assert response.status_code == unknown.status_code == 401
    assert response.json() == unknown.json()


@pytest.mark.parametrize("id_instance", ["²", "١٢٣", "12a", -5, 0, 1.5, True, None, []])
async def test_an_id_instance_that_is_no_number_is_400_with_a_reason(client, hotel, id_instance) -> None:
    response = await post(client, incoming(id_instance))  # type: ignore[arg-type]
    assert response.status_code == 400
    assert "idInstance" in response.json()["detail"]


async def test_a_coordinate_no_float_can_hold_is_400_with_a_reason(client, hotel, sessions) -> None:
    data = {"typeMessage": "locationMessage", "locationMessageData": {"latitude": 10**400, "longitude": 1}}
    response = await post(client, incoming(hotel.green_api_instance_id, message_data=data))
    assert response.status_code == 400
    assert "latitude" in response.json()["detail"]


# 3. Nesting.


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"[" * 10_000 + b"]" * 10_000, id="array"),
        pytest.param(b'{"a":' * 10_000 + b"1" + b"}" * 10_000, id="object"),
    ],
)
async def test_json_nested_ten_thousand_deep_is_400(client, hotel, body) -> None:
    response = await post(client, body)
    assert response.status_code == 400
    assert response.json()["detail"] == "JSON nested too deeply"


async def test_a_guest_message_with_a_part_nested_ten_thousand_deep_is_400(client, hotel, sessions) -> None:
    envelope = json.dumps(incoming(hotel.green_api_instance_id, text="hi"))
    body = envelope[:-1] + ', "extra": ' + "[" * 10_000 + "]" * 10_000 + "}"
    response = await post(client, body.encode())
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


@pytest.mark.parametrize("levels", [200, 500])
async def test_a_vcard_nested_deep_is_stored_cut_with_a_marker(client, hotel, sessions, levels) -> None:
    data = {
        "typeMessage": "contactMessage",
        "contactMessageData": {"displayName": "Max", "vcard": nested(levels)},
    }
    assert (await post(client, incoming(hotel.green_api_instance_id, message_data=data))).status_code == 200
    message = await the_message(sessions)
    assert message.text == "Max"
    assert depth(message.details) <= MAX_DETAIL_DEPTH
    assert TRUNCATED in json.dumps(message.details, ensure_ascii=False)


async def test_a_contacts_list_nested_deep_and_long_is_stored_cut_with_markers(
    client, hotel, sessions
) -> None:
    contacts = [{"displayName": f"Guest {i}", "vcard": nested(200)} for i in range(MAX_DETAIL_ITEMS + 30)]
    data = {"typeMessage": "contactsArrayMessage", "contacts": contacts}
    assert (await post(client, incoming(hotel.green_api_instance_id, message_data=data))).status_code == 200
    message = await the_message(sessions)
    stored = message.details["contacts"]
    assert len(stored) == MAX_DETAIL_ITEMS + 1
    assert stored[-1] == TRUNCATED
    assert stored[0]["displayName"] == "Guest 0"
    assert depth(message.details) <= MAX_DETAIL_DEPTH
    assert (message.text or "").startswith("Guest 0, Guest 1")


# 4. Oversized fields are stored cut, with a visible marker; never refused as a whole message.


async def test_a_900_kb_quoted_text_is_stored_cut(client, hotel, sessions) -> None:
    data = {
        "typeMessage": "textMessage",
        "textMessageData": {"textMessage": "this one"},
        "quotedMessage": {"stanzaId": "Q1", "textMessage": "q" * 900_000},
    }
    assert (await post(client, incoming(hotel.green_api_instance_id, message_data=data))).status_code == 200
    message = await the_message(sessions)
    assert message.text == "this one"
    assert len(message.quoted_text or "") == MAX_QUOTED_TEXT
    assert (message.quoted_text or "").endswith(TRUNCATED)


async def test_a_900_kb_text_is_stored_cut_with_a_marker(client, hotel, sessions) -> None:
    assert (await post(client, incoming(hotel.green_api_instance_id, text="é" * 450_000))).status_code == 200
    text = (await the_message(sessions)).text or ""
    assert len(text) == MAX_TEXT
    assert text.startswith("éé")
    assert text.endswith(TRUNCATED)


async def test_a_long_sender_name_is_stored_cut(client, hotel, sessions) -> None:
    body = incoming(hotel.green_api_instance_id, sender_name="N" * 5_000)
    assert (await post(client, body)).status_code == 200
    message = await the_message(sessions)
    assert len(message.sender_name or "") == MAX_NAME
    assert (message.sender_name or "").endswith(TRUNCATED)


async def test_a_long_caption_and_file_name_are_stored_cut(client, hotel, sessions) -> None:
    data = {
        "typeMessage": "documentMessage",
        "fileMessageData": {
            "downloadUrl": "https://media.example/" + "x" * 10_000,
            "caption": "c" * 100_000,
            "fileName": "f" * 1_000 + ".pdf",
            "mimeType": "application/" + "p" * 500,
        },
    }
    assert (await post(client, incoming(hotel.green_api_instance_id, message_data=data))).status_code == 200
    message = await the_message(sessions)
    assert (message.text or "").endswith(TRUNCATED)
    assert (message.media_file_name or "").endswith(TRUNCATED)
    assert (message.media_url, message.media_mime) == (None, None), "a link cut short leads nowhere"


async def test_an_unknown_long_message_type_is_stored_as_unsupported(client, hotel, sessions) -> None:
    kind = "futureInteractiveMessageOfSomeVeryLongKind"
    data = {"typeMessage": kind, "x": 1}
    assert (await post(client, incoming(hotel.green_api_instance_id, message_data=data))).status_code == 200
    message = await the_message(sessions)
    assert message.type_message == kind[:MAX_TYPE_MESSAGE]
    assert message.details == {"unsupported": True}


async def test_a_quote_of_an_id_longer_than_any_message_id_is_stored_without_it(
    client, hotel, sessions
) -> None:
    data = {
        "typeMessage": "reactionMessage",
        "extendedTextMessageData": {"text": "👍"},
        "quotedMessage": {"stanzaId": "F" * 100},
    }
    assert (await post(client, incoming(hotel.green_api_instance_id, message_data=data))).status_code == 200
    message = await the_message(sessions)
    assert (message.text, message.quoted_provider_id) == ("👍", None)


async def test_a_long_chat_id_is_stored_with_its_guest(client, hotel, sessions) -> None:
    chat_id = "4" * 100 + "@c.us"
    assert (await post(client, incoming(hotel.green_api_instance_id, chat_id=chat_id))).status_code == 200
    async with sessions() as session:
        guest = (await session.execute(select(Guest))).scalar_one()
    assert (await the_message(sessions)).chat_id == guest.chat_id == chat_id
    assert guest.phone.startswith("+4444")


async def test_identifiers_longer_than_their_columns_are_400_with_a_reason(client, hotel, sessions) -> None:
    too_long_id = incoming(hotel.green_api_instance_id, id_message="A" * 65)
    too_long_chat = incoming(hotel.green_api_instance_id, chat_id="4" * 200 + "@c.us")
    for body, field in ((too_long_id, "idMessage"), (too_long_chat, "chatId")):
        response = await post(client, body)
        assert response.status_code == 400
        assert field in response.json()["detail"]
    async with sessions() as session:
        assert (await session.execute(select(Message))).first() is None


# 6. The metric's type label.


async def test_unknown_webhook_types_count_as_other_in_metrics(client, hotel) -> None:
    import secrets

    invented = f"invented{secrets.token_hex(6)}"
    body = {"typeWebhook": invented, "instanceData": {"idInstance": hotel.green_api_instance_id}}
    call = {"typeWebhook": "incomingCall", "instanceData": {"idInstance": hotel.green_api_instance_id}}
    for each in (body, call, incoming(hotel.green_api_instance_id)):
        assert (await post(client, each)).status_code == 200
    text = (await client.get("/metrics")).text
    assert invented not in text
    assert 'green_api_webhooks_total{outcome="ignored",type="other"}' in text
    assert 'green_api_webhooks_total{outcome="ignored",type="incomingCall"}' in text
    assert 'green_api_webhooks_total{outcome="stored",type="incomingMessageReceived"}' in text
