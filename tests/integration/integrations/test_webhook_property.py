"""Property: whatever arrives at POST /webhooks/green-api is answered 200, 400, 401 or 413, and a
guest message answered 200 is in the messages table exactly once. Arbitrary JSON and mutations of
every real webhook kind, against the real app on real PostgreSQL and Redis.

``WEBHOOK_HYPOTHESIS_PROFILE=webhook-long`` runs many more examples than CI does.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import AsyncIterator, Callable
from typing import Any

import hypothesis
import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from domain.conversations.models import Direction, Message
from domain.hotels.models import Hotel
from domain.settings import Settings
from tests.support.factories import make_hotel
from web.app import create_app

hypothesis.settings.register_profile(
    "webhook",
    max_examples=200,
    deadline=None,  # each example is a real HTTP request and a query: how long it takes is no property
    database=None,  # no example database written into the worktree; a failure prints its reproduction
    print_blob=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
hypothesis.settings.register_profile(
    "webhook-long", parent=hypothesis.settings.get_profile("webhook"), max_examples=2_000
)
PROFILE = hypothesis.settings.get_profile(os.environ.get("WEBHOOK_HYPOTHESIS_PROFILE", "webhook"))

HOOK = "/webhooks/green-api"
TOKEN = "hook-secret"
ANSWERS = {200, 400, 401, 413}
INSTANCE = 1_101_000_001  # the hotel's; the strategies cannot see fixtures
DEEP = "@@deep@@"  # stands for JSON nested 10,000 deep, spliced in after encoding (json.dumps would recurse)
DEEP_JSON = "[" * 10_000 + "]" * 10_000


@pytest.fixture
async def hotel(sessions: Any) -> Hotel:
    return await make_hotel(sessions, webhook_token=TOKEN, instance_id=INSTANCE)


@pytest.fixture
async def client(settings: Settings, sessions: Any) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(app=create_app(settings)) as test_client:
        yield test_client


def nested(levels: int) -> Any:
    value: Any = "BEGIN:VCARD"
    for _ in range(levels):
        value = [value]
    return value


# Strings and numbers that once were 500s, beside whatever hypothesis thinks of.
hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "\x00",
            "Room 12\x00 please",
            "²",
            "١٢٣",
            "{{SWE001}}",
            "{{SWE002}}",
            "9" * 30,
            "x" * 5_000,
            "é" * 70_000,
            "q" * 900_000,
        ]
    ),
)
hostile_number = st.one_of(
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, -1, 2**63 - 1, 2**63, -(2**63) - 1, 2**64, 10**300, 10**400]),
)
json_leaf = st.one_of(
    st.none(), st.booleans(), hostile_number, hostile_text, st.sampled_from([DEEP, nested(200)])
)
json_values = st.recursive(
    json_leaf,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(hostile_text, children, max_size=4),
    max_leaves=12,
)
message_ids = st.uuids().map(lambda u: u.hex.upper())
chat_ids = st.sampled_from(
    ["491701234567@c.us", "491709999999@c.us", "120363043968066561@g.us", "1234567@lid"]
)


def envelope(kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "typeWebhook": kind,
        "instanceData": {"idInstance": INSTANCE, "wid": "4930123456@c.us", "typeInstance": "whatsapp"},
        "timestamp": 1764480000,
        **fields,
    }


def message(kind: str, id_message: str, chat_id: str, data: dict[str, Any]) -> dict[str, Any]:
    sender = {"chatId": chat_id, "sender": chat_id, "chatName": "Anna", "senderName": "Anna"}
    return envelope(kind, idMessage=id_message, senderData=sender, messageData=copy.deepcopy(data))


MESSAGE_DATA: dict[str, dict[str, Any]] = {
    "text": {"typeMessage": "textMessage", "textMessageData": {"textMessage": "When is breakfast?"}},
    "extended": {
        "typeMessage": "extendedTextMessage",
        "extendedTextMessageData": {"text": "https://x.example", "title": "X", "description": "d"},
    },
    "quoted": {
        "typeMessage": "textMessage",
        "textMessageData": {"textMessage": "Yes"},
        "quotedMessage": {"stanzaId": "BBB222", "typeMessage": "textMessage", "textMessage": "Book?"},
    },
    "quotedMessage": {
        "typeMessage": "quotedMessage",
        "extendedTextMessageData": {"text": "that one", "stanzaId": "CCC333", "participant": "49@c.us"},
    },
    "image": {
        "typeMessage": "imageMessage",
        "fileMessageData": {
            "downloadUrl": "https://media.example/1.jpg",
            "caption": "broken lamp",
            "fileName": "1.jpg",
            "mimeType": "image/jpeg",
        },
    },
    "file": {
        "typeMessage": "documentMessage",
        "fileMessageData": {
            "downloadUrl": "https://m.example/p.pdf",
            "fileName": "p.pdf",
            "mimeType": "application/pdf",
        },
    },
    "location": {
        "typeMessage": "locationMessage",
        "locationMessageData": {
            "nameLocation": "Gate",
            "address": "Platz 1",
            "latitude": 52.5,
            "longitude": 13.3,
        },
    },
    "contact": {
        "typeMessage": "contactMessage",
        "contactMessageData": {"displayName": "Max", "vcard": "BEGIN:VCARD\nFN:Max\nEND:VCARD"},
    },
    "contacts": {
        "typeMessage": "contactsArrayMessage",
        "contacts": [
            {"displayName": "Max", "vcard": "BEGIN:VCARD\nEND:VCARD"},
            {"displayName": "Mia", "vcard": ""},
        ],
    },
    "reaction": {
        "typeMessage": "reactionMessage",
        "extendedTextMessageData": {"text": "👍"},
        "quotedMessage": {"stanzaId": "AAA111", "participant": "4930@c.us"},
    },
    "poll": {
        "typeMessage": "pollMessage",
        "pollMessageData": {"name": "?", "options": [{"optionName": "a"}]},
    },
}


def guest_message(shape: str) -> Callable[[str, str], dict[str, Any]]:
    return lambda id_message, chat_id: message(
        "incomingMessageReceived", id_message, chat_id, MESSAGE_DATA[shape]
    )


def sent_by_hotel(id_message: str) -> str:
    """The id of a message the hotel sent. Green API gives every message its own id, so a guest's
    message never shares one with the hotel's in its chat; drawn from the same strategy (which
    shrinks towards one value), they would, and the guest's message would rightly be a duplicate of
    the hotel's under Green API's key (chat, idMessage). Sent ids start BAE5, as the API's do."""
    return "BAE5" + id_message[4:]


OTHER_KINDS: dict[str, Callable[[str, str], dict[str, Any]]] = {
    "outgoingMessageReceived": lambda i, c: message(
        "outgoingMessageReceived", sent_by_hotel(i), c, MESSAGE_DATA["text"]
    ),
    "outgoingAPIMessageReceived": lambda i, c: message(
        "outgoingAPIMessageReceived", sent_by_hotel(i), c, MESSAGE_DATA["text"]
    ),
    "outgoingMessageStatus": lambda i, c: envelope(
        "outgoingMessageStatus", idMessage=i, chatId=c, status="failed", description="no", sendByApi=True
    ),
    "stateInstanceChanged": lambda i, c: envelope("stateInstanceChanged", stateInstance="authorized"),
    "quotaExceeded": lambda i, c: envelope(
        "quotaExceeded", quotaData={"method": "correspondents", "used": 3, "total": 3, "description": "over"}
    ),
    "incomingBlock": lambda i, c: envelope("incomingBlock", chatId=c, blockType="spam"),
    "incomingCall": lambda i, c: envelope("incomingCall", idMessage=i, **{"from": c, "status": "missed"}),
    "deviceInfo": lambda i, c: envelope("deviceInfo", deviceData={"platform": "android", "battery": 80}),
    "unknown": lambda i, c: envelope("somethingNewFromGreenApi", idMessage=i),
}
GUEST_KINDS = {shape: guest_message(shape) for shape in MESSAGE_DATA}
EVERY_KIND = {**GUEST_KINDS, **OTHER_KINDS}

# Identifiers and types: changing these may rightly make a body a 400; any other string may not.
STRUCTURE = {
    "typeWebhook",
    "idInstance",
    "typeMessage",
    "idMessage",
    "chatId",
    "sender",
    "status",
    "stateInstance",
}


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a body a mutation can touch."""
    found: list[tuple[Any, ...]] = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found.append((*prefix, key))
        found.extend(paths(item, (*prefix, key)))
    return found


def at(body: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        body = body[key]
    return body


def text_paths(body: Any) -> list[tuple[Any, ...]]:
    return [path for path in paths(body) if isinstance(at(body, path), str) and path[-1] not in STRUCTURE]


@st.composite
def mutated(draw: st.DrawFn, kinds: dict[str, Callable[[str, str], dict[str, Any]]]) -> dict[str, Any]:
    """A real webhook of one of ``kinds`` with up to three things replaced, removed or added."""
    kind = draw(st.sampled_from(sorted(kinds)))
    body = kinds[kind](draw(message_ids), draw(chat_ids))
    for _ in range(draw(st.integers(0, 3))):
        places = paths(body)
        if not places:
            break
        path = draw(st.sampled_from(places))
        parent, key = at(body, path[:-1]), path[-1]
        value = copy.deepcopy(draw(json_values))  # a copy: later mutations must not alter the strategy's
        operation = draw(st.sampled_from(["replace", "remove", "add"]))
        if operation == "replace":
            parent[key] = value
        elif operation == "remove":
            del parent[key]
        elif isinstance(parent, dict):
            parent[draw(hostile_text)] = value
        else:
            parent.append(value)
    return body


@st.composite
def guest_messages_with_any_text(draw: st.DrawFn) -> dict[str, Any]:
    """A real guest message whose free text (names, captions, titles, vCards, ...) is anything."""
    kind = draw(st.sampled_from(sorted(GUEST_KINDS)))
    body = GUEST_KINDS[kind](draw(message_ids), draw(chat_ids))
    for path in draw(st.lists(st.sampled_from(text_paths(body)), max_size=4, unique=True)):
        at(body, path[:-1])[path[-1]] = draw(hostile_text)
    return body


def encode(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False).replace(json.dumps(DEEP), DEEP_JSON).encode()


async def deliver(client: AsyncTestClient[Any], body: bytes, token: str | None = TOKEN) -> int:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    response = await client.post(HOOK, content=body, headers=headers)
    assert response.status_code in ANSWERS, (response.status_code, response.text, body[:300])
    if response.status_code != 200:
        assert response.json()["detail"], "an error says why"
    return response.status_code


def clean(value: str) -> str:
    return value.replace("\x00", "\ufffd")


async def times_stored(sessions: Any, hotel: Hotel, body: dict[str, Any]) -> int:
    """How many rows hold this guest message (by the key Green API dedupes on: chat + idMessage)."""
    async with sessions() as session:
        query = select(func.count()).where(
            Message.hotel_id == hotel.id,
            Message.direction == Direction.IN,
            Message.chat_id == clean(body["senderData"]["chatId"]),
            Message.provider_message_id == clean(body["idMessage"]),
        )
        return int((await session.execute(query)).scalar_one())


def is_guest_message(body: Any) -> bool:
    return isinstance(body, dict) and body.get("typeWebhook") == "incomingMessageReceived"


@PROFILE
@given(body=json_values, token=st.sampled_from([TOKEN, TOKEN, "wrong", None]))
async def test_any_json_is_answered_200_400_401_or_413(client, hotel, body, token) -> None:
    await deliver(client, encode(body), token)


@PROFILE
@given(raw=st.binary(max_size=200))
async def test_any_bytes_are_answered_200_400_401_or_413(client, hotel, raw) -> None:
    await deliver(client, raw)


@PROFILE
@given(body=mutated(EVERY_KIND), redeliver=st.booleans())
async def test_any_mutation_of_a_real_webhook_is_answered_and_a_guest_message_is_stored_once(
    client, hotel, sessions, body, redeliver
) -> None:
    raw = encode(body)
    status = await deliver(client, raw)
    if redeliver:  # Green API delivers at least once
        assert await deliver(client, raw) == status
    if status == 200 and is_guest_message(body):
        assert await times_stored(sessions, hotel, body) == 1


@PROFILE
@given(body=guest_messages_with_any_text(), redeliver=st.booleans())
async def test_a_guest_message_is_stored_exactly_once_whatever_its_text(
    client, hotel, sessions, body, redeliver
) -> None:
    raw = encode(body)
    for _ in range(2 if redeliver else 1):
        status = await deliver(client, raw)
        if len(raw) <= 1024 * 1024:
            assert status == 200, raw[:300]
    if status == 200:
        assert await times_stored(sessions, hotel, body) == 1


@pytest.mark.parametrize("kind", sorted(EVERY_KIND))
async def test_every_real_kind_unchanged_is_accepted(client, hotel, sessions, kind) -> None:
    body = EVERY_KIND[kind]("3EB0C767D097B7C7C030", "491701234567@c.us")
    assert await deliver(client, encode(body)) == 200
    if is_guest_message(body):
        assert await times_stored(sessions, hotel, body) == 1
