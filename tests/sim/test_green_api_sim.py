"""The Green API simulator over real HTTP: contract A (auth, validation, queue, webhooks, faults)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import pytest
from litestar import Litestar, Request, Response, post

from sim.green_api import SimConfig, SimInstance, create_app
from sim.green_api.cli import build_parser, parse_instances
from tests.support.servers import serve_app

INSTANCE = 1101000001
TOKEN = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5"
HOOK_TOKEN = "hook-secret-42"
CHAT = "491701234567@c.us"
BASE = f"/waInstance{INSTANCE}"


def fast_config(**overrides: Any) -> SimConfig:
    values: dict[str, Any] = {
        "status_delays": (0.03, 0.03, 0.03),
        "webhook_timeout": 0.4,
        "webhook_retry_pause": 0.05,
        "webhook_ttl": 30.0,
        "send_delay_ms": 0,
        "min_send_delay_ms": 0,
        "rate_limits": False,
    }
    values.update(overrides)
    return SimConfig(**values)


@dataclass
class Receiver:
    """A webhook endpoint on a real port: records every request, answers from a script."""

    fail_first: int = 0
    fail_status: int = 500
    slow_first: int = 0
    slow_seconds: float = 0.0
    hits: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Litestar:
        @post("/hook")
        async def hook(request: Request[Any, Any, Any]) -> Response[str]:
            body = await request.json()
            with self.lock:
                number = len(self.hits)
                answer = self.fail_status if number < self.fail_first else 200
                self.hits.append(
                    {
                        "body": body,
                        "authorization": request.headers.get("authorization"),
                        "answer": answer,
                        "at": time.monotonic(),
                    }
                )
            if number < self.slow_first:
                await asyncio.sleep(self.slow_seconds)
            return Response("ok" if answer == 200 else "nope", status_code=answer)

        return Litestar([hook])

    def reset(self) -> None:
        with self.lock:
            self.hits.clear()

    def bodies(self, type_webhook: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [h["body"] for h in self.hits if type_webhook in (None, h["body"]["typeWebhook"])]

    def acked(self) -> list[dict[str, Any]]:
        with self.lock:
            return [h["body"] for h in self.hits if h["answer"] == 200]


@dataclass
class Sim:
    url: str
    http: httpx.AsyncClient
    receiver: Receiver


@contextlib.contextmanager
def running_sim(config: SimConfig, receiver: Receiver, *, polling: bool = False) -> Iterator[tuple[str, str]]:
    """Start the receiver and a simulator whose instance pushes to it; yield (sim URL, hook URL)."""
    with serve_app(receiver.app()) as receiver_url:
        hook_url = receiver_url + "/hook"
        webhook_url = "" if polling else hook_url
        config.instances = [SimInstance(INSTANCE, TOKEN, webhook_url=webhook_url, webhook_token=HOOK_TOKEN)]
        with serve_app(create_app(config)) as sim_url:
            yield sim_url, hook_url


@contextlib.asynccontextmanager
async def sim_session(
    receiver: Receiver | None = None, *, polling: bool = False, **overrides: Any
) -> AsyncIterator[Sim]:
    """A simulator of its own, for tests that need other timers or modes."""
    receiver = receiver or Receiver()
    with running_sim(fast_config(**overrides), receiver, polling=polling) as (url, _):
        async with httpx.AsyncClient(base_url=url, timeout=5) as http:
            yield Sim(url, http, receiver)


@pytest.fixture(scope="module")
def shared_servers() -> Iterator[tuple[str, str, Receiver]]:
    receiver = Receiver()
    with running_sim(fast_config(), receiver) as (sim_url, hook_url):
        yield sim_url, hook_url, receiver


@pytest.fixture
async def sim(shared_servers: tuple[str, str, Receiver]) -> AsyncIterator[Sim]:
    """The shared simulator, wiped: traffic and faults cleared, the instance re-created fresh."""
    url, hook_url, receiver = shared_servers
    async with httpx.AsyncClient(base_url=url, timeout=5) as http:
        assert (await http.post("/sim/reset")).status_code == 200
        for inst in (await http.get("/sim/instances")).json():
            await http.delete(f"/sim/instances/{inst['idInstance']}")
        fresh = {
            "idInstance": INSTANCE,
            "apiTokenInstance": TOKEN,
            "webhookUrl": hook_url,
            "webhookUrlToken": HOOK_TOKEN,
        }
        assert (await http.post("/sim/instances", json=fresh)).status_code == 201
        await asyncio.sleep(0.02)
        receiver.reset()
        yield Sim(url, http, receiver)


async def eventually(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s; last value {result!r}")
        await asyncio.sleep(0.02)


async def delivery_log(http: httpx.AsyncClient, entries: int, timeout: float = 5.0) -> list[Any]:
    """The simulator's delivery log once it holds ``entries`` entries: it records an answer only
    after the receiver's response is in, so a test that saw the receiver answer may be early."""
    deadline = time.monotonic() + timeout
    while True:
        log: list[Any] = (await http.get(f"/sim/deliveries?idInstance={INSTANCE}")).json()
        if len(log) >= entries or time.monotonic() > deadline:
            return log
        await asyncio.sleep(0.02)


async def send(http: httpx.AsyncClient, message: str, chat_id: str = CHAT) -> str:
    response = await http.post(f"{BASE}/sendMessage/{TOKEN}", json={"chatId": chat_id, "message": message})
    assert response.status_code == 200, response.text
    return str(response.json()["idMessage"])


async def incoming(http: httpx.AsyncClient, **fields: Any) -> str:
    payload = {"idInstance": INSTANCE, "chatId": CHAT, "senderName": "Anna", **fields}
    response = await http.post("/sim/incoming", json=payload)
    assert response.status_code == 202, response.text
    return str(response.json()["idMessage"])


# ------------------------------------------------------------------------------------------ auth


async def test_auth_answers_401_403_404(sim: Sim) -> None:
    ok = await sim.http.get(f"{BASE}/getStateInstance/{TOKEN}")
    assert (ok.status_code, ok.json()) == (200, {"stateInstance": "authorized"})
    assert (await sim.http.get(f"{BASE}/getStateInstance/wrong-token")).status_code == 401
    assert (await sim.http.get(f"/waInstance999/getStateInstance/{TOKEN}")).status_code == 403
    assert (await sim.http.get(f"{BASE}/noSuchMethod/{TOKEN}")).status_code == 404
    assert (await sim.http.get(f"/instance{INSTANCE}/getStateInstance/{TOKEN}")).status_code == 404


# ------------------------------------------------------------------------------------------ sending


async def test_send_message_rejects_20001_characters_with_the_validation_body(sim: Sim) -> None:
    path = f"{BASE}/sendMessage/{TOKEN}"
    response = await sim.http.post(path, json={"chatId": CHAT, "message": "x" * 20001})
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"statusCode", "timestamp", "path", "message"}
    assert body["statusCode"] == 400
    assert body["path"] == path
    assert body["message"] == (
        "Validation failed. Details: 'message' length must be less than or equal to 20000 characters long"
    )
    assert datetime.fromisoformat(body["timestamp"].replace("Z", "+00:00")).year >= 2024
    journal = await sim.http.get(f"{BASE}/lastOutgoingMessages/{TOKEN}")
    assert journal.json() == []

    exactly_max = await sim.http.post(path, json={"chatId": CHAT, "message": "y" * 20000})
    assert exactly_max.status_code == 200


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({"message": "hi"}, "'chatId' is required"),
        ({"chatId": CHAT}, "'message' is required"),
        ({"chatId": CHAT, "message": 42}, "'message' must be a string"),
        ({"chatId": 491701234567, "message": "hi"}, "'chatId' must be a string"),
    ],
)
async def test_send_message_requires_string_chat_id_and_message(
    sim: Sim, payload: dict[str, Any], detail: str
) -> None:
    response = await sim.http.post(f"{BASE}/sendMessage/{TOKEN}", json=payload)
    assert response.status_code == 400
    assert response.json()["message"] == f"Validation failed. Details: {detail}"


async def test_id_message_is_20_uppercase_hex_and_unique(sim: Sim) -> None:
    ids = [await send(sim.http, f"hello {n}") for n in range(5)]
    for id_message in ids:
        assert re.fullmatch(r"[0-9A-F]{20}", id_message), id_message
    assert len(set(ids)) == 5


async def test_status_webhooks_arrive_in_order_with_bearer_token(sim: Sim) -> None:
    id_message = await send(sim.http, "Your room is ready")
    await eventually(lambda: len(sim.receiver.bodies()) >= 4)
    hits = sim.receiver.hits
    assert [h["authorization"] for h in hits] == [f"Bearer {HOOK_TOKEN}"] * 4
    api_message, *statuses = (h["body"] for h in hits)
    assert api_message["typeWebhook"] == "outgoingAPIMessageReceived"
    assert api_message["idMessage"] == id_message
    assert api_message["instanceData"] == {
        "idInstance": INSTANCE,
        "wid": api_message["instanceData"]["wid"],
        "typeInstance": "whatsapp",
    }
    assert api_message["instanceData"]["wid"].endswith("@c.us")
    assert api_message["senderData"]["chatId"] == CHAT
    assert api_message["messageData"] == {
        "typeMessage": "textMessage",
        "textMessageData": {"textMessage": "Your room is ready"},
    }
    assert [s["status"] for s in statuses] == ["sent", "delivered", "read"]
    for status in statuses:
        assert status["typeWebhook"] == "outgoingMessageStatus"
        assert status["idMessage"] == id_message
        assert status["chatId"] == CHAT
        assert status["sendByApi"] is True
        assert isinstance(status["timestamp"], int)


async def test_no_authorization_header_when_webhook_token_is_empty(sim: Sim) -> None:
    response = await sim.http.post(f"{BASE}/setSettings/{TOKEN}", json={"webhookUrlToken": ""})
    assert response.json() == {"saveSettings": True}
    await incoming(sim.http, text="hi")
    await eventually(lambda: sim.receiver.hits)
    assert sim.receiver.hits[0]["authorization"] is None


async def test_send_queue_releases_one_message_per_delay(sim: Sim) -> None:
    settings = await sim.http.post(
        f"{BASE}/setSettings/{TOKEN}", json={"delaySendMessagesMilliseconds": 300, "outgoingWebhook": "no"}
    )
    assert settings.status_code == 200
    ids = [await send(sim.http, f"m{n}") for n in range(3)]
    queue = (await sim.http.get(f"{BASE}/showMessagesQueue/{TOKEN}")).json()
    assert [item["messageID"] for item in queue] == ids[1:]  # the first one left at once
    assert queue[0] == {"messageID": ids[1], "type": "sendMessage", "body": {"chatId": CHAT, "message": "m1"}}
    await eventually(lambda: len(sim.receiver.bodies("outgoingAPIMessageReceived")) == 3)
    times = [h["at"] for h in sim.receiver.hits]
    assert [h["body"]["idMessage"] for h in sim.receiver.hits] == ids
    assert times[1] - times[0] >= 0.25
    assert times[2] - times[1] >= 0.25


async def test_clear_messages_queue(sim: Sim) -> None:
    await sim.http.post("/sim/state", json={"idInstance": INSTANCE, "stateInstance": "blocked"})
    await send(sim.http, "never leaves")
    cleared = await sim.http.get(f"{BASE}/clearMessagesQueue/{TOKEN}")
    assert cleared.json() == {"isCleared": True}
    assert (await sim.http.get(f"{BASE}/showMessagesQueue/{TOKEN}")).json() == []


# ------------------------------------------------------------------------------------------ journal


async def test_last_outgoing_messages_in_the_real_journal_format(sim: Sim) -> None:
    first = await send(sim.http, "Breakfast is 7-10")
    second = await send(sim.http, "See https://hotel.example/menu")
    await eventually(lambda: len(sim.receiver.bodies("outgoingMessageStatus")) == 6)
    journal = (await sim.http.get(f"{BASE}/lastOutgoingMessages/{TOKEN}")).json()
    assert [e["idMessage"] for e in journal] == [second, first]  # newest first
    newest, oldest = journal
    assert oldest == {
        "type": "outgoing",
        "idMessage": first,
        "timestamp": oldest["timestamp"],
        "typeMessage": "textMessage",
        "chatId": CHAT,
        "textMessage": "Breakfast is 7-10",
        "statusMessage": "read",
        "sendByApi": True,
    }
    assert abs(oldest["timestamp"] - time.time()) < 10
    assert newest["typeMessage"] == "extendedTextMessage"
    assert newest["textMessage"] == "See https://hotel.example/menu"
    assert newest["extendedTextMessage"]["text"] == "See https://hotel.example/menu"
    assert (await sim.http.get(f"{BASE}/lastOutgoingMessages/{TOKEN}?minutes=abc")).status_code == 400


async def test_queued_message_is_pending_until_the_instance_is_authorized(sim: Sim) -> None:
    state = await sim.http.post("/sim/state", json={"idInstance": INSTANCE, "stateInstance": "yellowCard"})
    assert state.json() == {"stateInstance": "yellowCard"}
    await eventually(lambda: sim.receiver.bodies("stateInstanceChanged"))
    assert sim.receiver.bodies("stateInstanceChanged")[0]["stateInstance"] == "yellowCard"
    assert (await sim.http.get(f"{BASE}/getStateInstance/{TOKEN}")).json() == {"stateInstance": "yellowCard"}

    id_message = await send(sim.http, "waiting")
    await asyncio.sleep(0.2)
    journal = (await sim.http.get(f"{BASE}/lastOutgoingMessages/{TOKEN}")).json()
    assert [(e["idMessage"], e["statusMessage"]) for e in journal] == [(id_message, "pending")]
    assert sim.receiver.bodies("outgoingAPIMessageReceived") == []

    await sim.http.post("/sim/state", json={"idInstance": INSTANCE, "stateInstance": "authorized"})
    await eventually(lambda: len(sim.receiver.bodies("outgoingMessageStatus")) == 3)


async def test_bad_numbers_end_in_no_account_or_failed(sim: Sim) -> None:
    await sim.http.post(f"{BASE}/setSettings/{TOKEN}", json={"outgoingWebhook": "no"})
    configured = await sim.http.post(
        "/sim/bad-numbers", json={"chatIds": ["4915550001@c.us"], "status": "failed"}
    )
    assert configured.status_code == 200
    no_account = await send(sim.http, "hello?", chat_id="0001234567@c.us")
    failed = await send(sim.http, "hello?", chat_id="4915550001@c.us")
    await eventually(lambda: len(sim.receiver.bodies("outgoingMessageStatus")) == 2)
    statuses = {b["idMessage"]: b for b in sim.receiver.bodies("outgoingMessageStatus")}
    assert statuses[no_account]["status"] == "noAccount"
    assert statuses[failed]["status"] == "failed"
    assert statuses[failed]["description"]
    journal = (await sim.http.get(f"{BASE}/lastOutgoingMessages/{TOKEN}")).json()
    assert {e["statusMessage"] for e in journal} == {"failed"}


async def test_last_incoming_messages(sim: Sim) -> None:
    id_message = await incoming(sim.http, text="Is the pool open?")
    journal = (await sim.http.get(f"{BASE}/lastIncomingMessages/{TOKEN}")).json()
    assert len(journal) == 1
    entry = journal[0]
    assert entry["type"] == "incoming"
    assert entry["idMessage"] == id_message
    assert entry["chatId"] == CHAT
    assert entry["typeMessage"] == "textMessage"
    assert entry["textMessage"] == "Is the pool open?"
    assert entry["senderName"] == "Anna"


# ------------------------------------------------------------------------------------------ webhooks


async def test_non_200_is_retried_with_the_same_notification_head_of_line() -> None:
    receiver = Receiver(fail_first=3, fail_status=500)
    async with sim_session(receiver) as sim:
        first = await incoming(sim.http, text="first")
        second = await incoming(sim.http, text="second")
        await eventually(lambda: len(receiver.acked()) == 2)
        bodies = receiver.bodies()
        assert [b["idMessage"] for b in bodies] == [first, first, first, first, second]
        assert bodies[0] == bodies[1] == bodies[2] == bodies[3]  # the very same notification
        assert [h["answer"] for h in receiver.hits] == [500, 500, 500, 200, 200]
        log = await delivery_log(sim.http, 5)
        assert [(d["idMessage"], d["httpStatus"]) for d in log] == [
            (first, 500),
            (first, 500),
            (first, 500),
            (first, 200),
            (second, 200),
        ]
        assert all(d["typeWebhook"] == "incomingMessageReceived" for d in log)


async def test_2xx_other_than_200_is_not_an_ack() -> None:
    receiver = Receiver(fail_first=1, fail_status=201)
    async with sim_session(receiver) as sim:
        await incoming(sim.http, text="hello")
        await eventually(lambda: len(receiver.acked()) == 1)
        assert [h["answer"] for h in receiver.hits] == [201, 200]


async def test_a_slow_endpoint_times_out_and_gets_the_notification_again() -> None:
    receiver = Receiver(slow_first=1, slow_seconds=0.5)
    async with sim_session(receiver, webhook_timeout=0.2) as sim:
        id_message = await incoming(sim.http, text="hello")
        await eventually(lambda: len(receiver.hits) == 2)
        log = (await sim.http.get(f"/sim/deliveries?idInstance={INSTANCE}")).json()
        assert log[0]["idMessage"] == id_message
        assert log[0]["error"] == "timeout"
        assert log[0]["httpStatus"] is None
        assert receiver.hits[1]["body"] == receiver.hits[0]["body"]


async def test_notifications_are_dropped_after_the_ttl() -> None:
    receiver = Receiver(fail_first=1000)
    async with sim_session(receiver, webhook_ttl=0.3, webhook_retry_pause=0.05) as sim:
        await incoming(sim.http, text="doomed")

        async def expired() -> bool:
            log = (await sim.http.get(f"/sim/deliveries?idInstance={INSTANCE}")).json()
            return any(d["error"] == "expired (ttl)" for d in log)

        deadline = time.monotonic() + 5
        while not await expired():
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        pending = (await sim.http.get(f"/sim/notifications?idInstance={INSTANCE}")).json()
        assert pending == []


async def test_duplicate_delivery_fault(sim: Sim) -> None:
    fault = await sim.http.post("/sim/duplicates", json={"idInstance": INSTANCE, "count": 1})
    assert fault.json() == {"idInstance": INSTANCE, "count": 1, "times": 2}
    doubled = await incoming(sim.http, text="twice")
    single = await incoming(sim.http, text="once")
    await eventually(lambda: len(sim.receiver.hits) == 3)
    await asyncio.sleep(0.1)
    assert [b["idMessage"] for b in sim.receiver.bodies()] == [doubled, doubled, single]

    await sim.http.post("/sim/duplicates", json={"idInstance": INSTANCE, "count": 1, "times": 3})
    tripled = await incoming(sim.http, text="thrice")
    await eventually(lambda: len(sim.receiver.hits) == 6)
    assert [b["idMessage"] for b in sim.receiver.bodies()][3:] == [tripled] * 3


async def test_set_settings_webhook_url_takes_effect_immediately(sim: Sim) -> None:
    other = Receiver()
    with serve_app(other.app()) as other_url:
        response = await sim.http.post(
            f"{BASE}/setSettings/{TOKEN}",
            json={"webhookUrl": other_url + "/hook", "webhookUrlToken": "new-token"},
        )
        assert response.json() == {"saveSettings": True}
        settings = (await sim.http.get(f"{BASE}/getSettings/{TOKEN}")).json()
        assert settings["webhookUrl"] == other_url + "/hook"
        assert settings["webhookUrlToken"] == "new-token"
        assert settings["incomingWebhook"] == "yes"
        await incoming(sim.http, text="to the new url")
        await eventually(lambda: other.hits)
        assert other.hits[0]["authorization"] == "Bearer new-token"
        assert sim.receiver.hits == []


async def test_set_settings_calls_are_recorded_for_tests_to_read(sim: Sim) -> None:
    """``GET /sim/settings/{id}``: the settings now, and each accepted ``setSettings`` as given."""
    given = {"webhookUrl": "https://hotel.example/webhooks/green-api", "stateWebhook": "yes", "wid": "x"}
    assert (await sim.http.post(f"{BASE}/setSettings/{TOKEN}", json=given)).status_code == 200
    refused = await sim.http.post(f"{BASE}/setSettings/{TOKEN}", json={"incomingWebhook": "maybe"})
    assert refused.status_code == 400
    recorded = (await sim.http.get(f"/sim/settings/{INSTANCE}")).json()
    assert [call["settings"] for call in recorded["calls"]] == [
        {"webhookUrl": "https://hotel.example/webhooks/green-api", "stateWebhook": "yes"}
    ]
    assert recorded["settings"]["webhookUrl"] == "https://hotel.example/webhooks/green-api"
    assert (await sim.http.get("/sim/settings/999")).status_code == 404


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({}, "at least one setting is required"),
        ({"incomingWebhook": "maybe"}, "'incomingWebhook' must be one of [yes, no]"),
        ({"delaySendMessagesMilliseconds": 700000}, "'delaySendMessagesMilliseconds' must be an integer"),
        ({"noSuchSetting": "yes"}, "'noSuchSetting' is not allowed"),
    ],
)
async def test_set_settings_validation(sim: Sim, payload: dict[str, Any], detail: str) -> None:
    response = await sim.http.post(f"{BASE}/setSettings/{TOKEN}", json=payload)
    assert response.status_code == 400
    assert response.json()["message"].startswith(f"Validation failed. Details: {detail}")


async def test_switched_off_incoming_webhook_is_not_delivered(sim: Sim) -> None:
    await sim.http.post(f"{BASE}/setSettings/{TOKEN}", json={"incomingWebhook": "no"})
    await incoming(sim.http, text="silent")
    await sim.http.post("/sim/state", json={"idInstance": INSTANCE, "stateInstance": "authorized"})
    await eventually(lambda: sim.receiver.hits)
    assert [b["typeWebhook"] for b in sim.receiver.bodies()] == ["stateInstanceChanged"]


# ------------------------------------------------------------------------------------------ incoming


async def test_incoming_message_variants_have_the_contract_field_names(sim: Sim) -> None:
    text_id = await incoming(sim.http, text="Hello")
    await incoming(sim.http, typeMessage="extendedTextMessage", text="Look https://x.example")
    await incoming(
        sim.http,
        typeMessage="imageMessage",
        downloadUrl="https://media.example/p.jpg",
        caption="my room",
        fileName="p.jpg",
        mimeType="image/jpeg",
    )
    await incoming(sim.http, typeMessage="documentMessage", downloadUrl="https://media.example/f.pdf")
    await incoming(
        sim.http,
        typeMessage="locationMessage",
        latitude=52.52,
        longitude=13.405,
        nameLocation="Brandenburg Gate",
        address="Pariser Platz",
    )
    await incoming(sim.http, typeMessage="contactMessage", displayName="Bob", vcard="BEGIN:VCARD\nEND:VCARD")
    await incoming(sim.http, typeMessage="reactionMessage", text="👍", quotedStanzaId="3EB0C767D097B7C7C030")
    await incoming(
        sim.http, text="Yes that one", quotedStanzaId="3EB0C767D097B7C7C030", quotedText="Room 12?"
    )
    await incoming(sim.http, text="{{SWE001}}")
    raw = {"typeMessage": "stickerMessage", "fileMessageData": {"downloadUrl": "https://m.example/s.webp"}}
    await incoming(sim.http, messageData=raw)
    await eventually(lambda: len(sim.receiver.hits) == 10)
    bodies = sim.receiver.bodies()
    assert {b["typeWebhook"] for b in bodies} == {"incomingMessageReceived"}

    first = bodies[0]
    assert set(first) == {
        "typeWebhook",
        "instanceData",
        "timestamp",
        "idMessage",
        "senderData",
        "messageData",
    }
    assert first["idMessage"] == text_id
    assert re.fullmatch(r"[0-9A-F]{32}", text_id)
    assert first["instanceData"]["idInstance"] == INSTANCE
    assert first["instanceData"]["typeInstance"] == "whatsapp"
    assert first["senderData"] == {
        "chatId": CHAT,
        "sender": CHAT,
        "chatName": "Anna",
        "senderName": "Anna",
        "senderContactName": "",
    }
    data = [b["messageData"] for b in bodies]
    assert data[0] == {"typeMessage": "textMessage", "textMessageData": {"textMessage": "Hello"}}
    assert data[1]["typeMessage"] == "extendedTextMessage"
    assert data[1]["extendedTextMessageData"]["text"] == "Look https://x.example"
    assert data[2]["typeMessage"] == "imageMessage"
    assert {k: data[2]["fileMessageData"][k] for k in ("downloadUrl", "caption", "fileName", "mimeType")} == {
        "downloadUrl": "https://media.example/p.jpg",
        "caption": "my room",
        "fileName": "p.jpg",
        "mimeType": "image/jpeg",
    }
    assert "jpegThumbnail" in data[2]["fileMessageData"]
    assert data[3]["fileMessageData"]["fileName"] == "f.pdf"
    assert data[3]["fileMessageData"]["mimeType"] == "application/pdf"
    location = data[4]["locationMessageData"]
    assert (location["latitude"], location["longitude"]) == (52.52, 13.405)
    assert (location["nameLocation"], location["address"]) == ("Brandenburg Gate", "Pariser Platz")
    assert data[5]["contactMessageData"] == {"displayName": "Bob", "vcard": "BEGIN:VCARD\nEND:VCARD"}
    assert data[6]["typeMessage"] == "reactionMessage"
    assert data[6]["extendedTextMessageData"] == {"text": "👍"}
    assert data[6]["quotedMessage"]["stanzaId"] == "3EB0C767D097B7C7C030"
    assert data[7]["typeMessage"] == "textMessage"
    assert data[7]["quotedMessage"]["stanzaId"] == "3EB0C767D097B7C7C030"
    assert data[7]["quotedMessage"]["textMessage"] == "Room 12?"
    assert data[8]["textMessageData"]["textMessage"] == "{{SWE001}}"
    assert data[9] == raw


async def test_incoming_rejects_bad_input(sim: Sim) -> None:
    no_url = await sim.http.post(
        "/sim/incoming", json={"idInstance": INSTANCE, "chatId": CHAT, "typeMessage": "imageMessage"}
    )
    assert no_url.status_code == 400
    assert "downloadUrl" in no_url.json()["error"]
    unknown = await sim.http.post("/sim/incoming", json={"idInstance": 42, "chatId": CHAT, "text": "x"})
    assert unknown.status_code == 404
    bad_chat = await sim.http.post(
        "/sim/incoming", json={"idInstance": INSTANCE, "chatId": "anna", "text": "x"}
    )
    assert bad_chat.status_code == 400


async def test_outgoing_from_phone(sim: Sim) -> None:
    response = await sim.http.post(
        "/sim/outgoing-from-phone", json={"idInstance": INSTANCE, "chatId": CHAT, "text": "Staff here"}
    )
    assert response.status_code == 202
    id_message = response.json()["idMessage"]
    await eventually(lambda: len(sim.receiver.hits) == 4)
    phone, *statuses = sim.receiver.bodies()
    assert phone["typeWebhook"] == "outgoingMessageReceived"
    assert phone["idMessage"] == id_message
    assert phone["messageData"]["textMessageData"]["textMessage"] == "Staff here"
    assert [(s["status"], s["sendByApi"]) for s in statuses] == [
        ("sent", False),
        ("delivered", False),
        ("read", False),
    ]


async def test_chat_view_and_read_chat(sim: Sim) -> None:
    guest_id = await incoming(sim.http, text="Hi <b>there</b>")
    hotel_id = await send(sim.http, "Welcome!")
    read = await sim.http.post(f"{BASE}/readChat/{TOKEN}", json={"chatId": CHAT})
    assert read.json() == {"setRead": True}
    await eventually(lambda: len(sim.receiver.bodies("outgoingMessageStatus")) == 3)
    chat = (await sim.http.get(f"/sim/chats/{INSTANCE}/{CHAT}")).json()
    assert chat["chatId"] == CHAT
    messages = chat["messages"]
    assert [(m["direction"], m["idMessage"]) for m in messages] == [
        ("incoming", guest_id),
        ("outgoing", hotel_id),
    ]
    assert messages[0]["text"] == "Hi <b>there</b>"
    assert messages[0]["read"] is True
    assert messages[1]["status"] == "read"

    reset = await sim.http.post("/sim/reset")
    assert reset.status_code == 200
    assert (await sim.http.get(f"/sim/chats/{INSTANCE}/{CHAT}")).json()["messages"] == []
    instances = (await sim.http.get("/sim/instances")).json()
    assert [i["idInstance"] for i in instances] == [INSTANCE]


async def test_control_api_creates_instances(sim: Sim) -> None:
    created = await sim.http.post(
        "/sim/instances",
        json={"idInstance": 7105000001, "apiTokenInstance": "tok2", "wid": "4930111@c.us"},
    )
    assert created.status_code == 201
    assert created.json()["wid"] == "4930111@c.us"
    settings = (await sim.http.get("/waInstance7105000001/getSettings/tok2")).json()
    assert settings["webhookUrl"] == ""
    assert settings["wid"] == "4930111@c.us"
    for switch in ("incomingWebhook", "outgoingWebhook", "outgoingAPIMessageWebhook", "stateWebhook"):
        assert settings[switch] == "yes"
    listed = (await sim.http.get("/sim/instances")).json()
    assert [i["idInstance"] for i in listed] == [INSTANCE, 7105000001]


# ------------------------------------------------------------------------------------------ polling


async def test_polling_mode_receive_and_delete() -> None:
    async with sim_session(polling=True) as sim:
        empty_started = time.monotonic()
        empty = await sim.http.get(f"{BASE}/receiveNotification/{TOKEN}?receiveTimeout=0.3")
        assert (empty.status_code, empty.text) == (200, "null")
        assert time.monotonic() - empty_started >= 0.25

        id_message = await incoming(sim.http, text="poll me")
        got = (await sim.http.get(f"{BASE}/receiveNotification/{TOKEN}")).json()
        assert set(got) == {"receiptId", "body"}
        assert got["body"]["typeWebhook"] == "incomingMessageReceived"
        assert got["body"]["idMessage"] == id_message
        again = (await sim.http.get(f"{BASE}/receiveNotification/{TOKEN}")).json()
        assert again == got  # stays until deleted

        path = f"{BASE}/deleteNotification/{TOKEN}/{got['receiptId']}"
        assert (await sim.http.delete(path)).json() == {"result": True}
        assert (await sim.http.delete(path)).json() == {"result": False}

        waiter = asyncio.create_task(sim.http.get(f"{BASE}/receiveNotification/{TOKEN}?receiveTimeout=3"))
        await asyncio.sleep(0.1)
        late = await incoming(sim.http, text="long poll")
        answered = (await waiter).json()
        assert answered["body"]["idMessage"] == late


async def test_receive_notification_refused_while_webhook_url_set(sim: Sim) -> None:
    response = await sim.http.get(f"{BASE}/receiveNotification/{TOKEN}")
    assert response.status_code == 400
    assert "webhookUrl" in response.json()["message"]


# ------------------------------------------------------------------------------------------ faults


@pytest.mark.parametrize(
    ("mode", "status", "text"),
    [
        ("429", 429, "Too Many Requests"),
        ("500", 500, "Internal Server Error"),
        ("502", 502, "Bad Gateway"),
        ("503", 503, "Service Unavailable"),
        ("starting", 400, "instance in starting process try later"),
        ("not_authorized", 400, "instance account not authorized"),
    ],
)
async def test_fault_modes_answer_their_status(sim: Sim, mode: str, status: int, text: str) -> None:
    fault = await sim.http.post(
        "/sim/faults", json={"idInstance": INSTANCE, "method": "sendMessage", "mode": mode, "count": 2}
    )
    assert fault.status_code == 201
    for _ in range(2):
        response = await sim.http.post(f"{BASE}/sendMessage/{TOKEN}", json={"chatId": CHAT, "message": "x"})
        assert response.status_code == status
        assert text in response.text
    assert (
        await sim.http.post(f"{BASE}/sendMessage/{TOKEN}", json={"chatId": CHAT, "message": "x"})
    ).status_code == 200
    journal = (await sim.http.get(f"{BASE}/lastOutgoingMessages/{TOKEN}")).json()
    assert len(journal) == 1  # failed calls sent nothing


async def test_466_answers_the_quota_body(sim: Sim) -> None:
    await sim.http.post("/sim/faults", json={"idInstance": INSTANCE, "method": "sendMessage", "mode": "466"})
    response = await sim.http.post(f"{BASE}/sendMessage/{TOKEN}", json={"chatId": CHAT, "message": "x"})
    assert response.status_code == 466
    body = response.json()
    assert body["correspondentsStatus"]["method"] == "correspondents"
    assert body["correspondentsStatus"]["status"] == "CORRESPONDENTS_QUOTE_EXCEEDED"
    assert body["correspondentsStatus"]["total"] == 3
    assert set(body["invokeStatus"]) == {"method", "used", "total", "status", "description"}


async def test_fault_until_cleared_only_hits_its_method(sim: Sim) -> None:
    await sim.http.post(
        "/sim/faults", json={"idInstance": INSTANCE, "method": "getStateInstance", "mode": "502", "count": -1}
    )
    for _ in range(3):
        assert (await sim.http.get(f"{BASE}/getStateInstance/{TOKEN}")).status_code == 502
    assert (await sim.http.get(f"{BASE}/getSettings/{TOKEN}")).status_code == 200
    listed = (await sim.http.get("/sim/faults")).json()["faults"]
    assert listed == [
        {"idInstance": INSTANCE, "method": "getStateInstance", "mode": "502", "count": -1, "delay": 0.0}
    ]
    assert (await sim.http.delete("/sim/faults")).json() == {"faults": []}
    assert (await sim.http.get(f"{BASE}/getStateInstance/{TOKEN}")).status_code == 200


async def test_slow_send_message_accepts_before_answering(sim: Sim) -> None:
    await sim.http.post(
        "/sim/faults",
        json={"idInstance": INSTANCE, "method": "sendMessage", "mode": "slow", "delay": 2.0},
    )
    with pytest.raises(httpx.ReadTimeout):
        await sim.http.post(
            f"{BASE}/sendMessage/{TOKEN}", json={"chatId": CHAT, "message": "lost answer"}, timeout=0.3
        )
    journal = (await sim.http.get(f"{BASE}/lastOutgoingMessages/{TOKEN}")).json()
    assert [e["textMessage"] for e in journal] == ["lost answer"]
    await eventually(lambda: sim.receiver.bodies("outgoingAPIMessageReceived"))
    assert sim.receiver.bodies("outgoingAPIMessageReceived")[0]["idMessage"] == journal[0]["idMessage"]


async def test_slow_answer_arrives_late_but_complete(sim: Sim) -> None:
    await sim.http.post("/sim/faults", json={"method": "getStateInstance", "mode": "slow", "delay": 0.3})
    started = time.monotonic()
    response = await sim.http.get(f"{BASE}/getStateInstance/{TOKEN}")
    assert response.json() == {"stateInstance": "authorized"}
    assert time.monotonic() - started >= 0.28


async def test_rate_limit_answers_429() -> None:
    async with sim_session(rate_limits=True) as sim:
        first = await sim.http.get(f"{BASE}/getStateInstance/{TOKEN}")
        second = await sim.http.get(f"{BASE}/getStateInstance/{TOKEN}")
        assert (first.status_code, second.status_code) == (200, 429)
        assert (await sim.http.get(f"{BASE}/getSettings/{TOKEN}")).status_code == 200  # limits are per method
        statuses = [
            (await sim.http.post(f"{BASE}/readChat/{TOKEN}", json={"chatId": CHAT})).status_code
            for _ in range(12)
        ]
        assert statuses.count(200) == 10
        assert statuses[10:] == [429, 429]


# ------------------------------------------------------------------------------------------ @lid chats

LID = "104236588716712@lid"


async def add_contact(http: httpx.AsyncClient, phone: str = CHAT, lid: str = LID) -> None:
    """The guest of CHAT, known to WhatsApp by LID too."""
    response = await http.post("/sim/contacts", json={"phone": phone, "lid": lid})
    assert response.status_code == 201, response.text
    assert response.json()["chatIds"] == [CHAT, LID]


async def test_a_guest_writing_from_a_lid_is_delivered_and_answered_at_the_lid(sim: Sim) -> None:
    guest_message = await incoming(sim.http, chatId=LID, text="Hello from a lid")
    await eventually(lambda: sim.receiver.bodies("incomingMessageReceived"))
    [delivered] = sim.receiver.bodies("incomingMessageReceived")
    assert delivered["idMessage"] == guest_message
    assert delivered["senderData"]["chatId"] == LID
    assert delivered["senderData"]["sender"] == LID
    assert "senderPhoneNumber" not in delivered["senderData"]

    id_message = await send(sim.http, "Welcome!", chat_id=LID)
    await eventually(lambda: len(sim.receiver.bodies("outgoingMessageStatus")) == 3)
    assert [s["chatId"] for s in sim.receiver.bodies("outgoingMessageStatus")] == [LID] * 3
    [echo] = sim.receiver.bodies("outgoingAPIMessageReceived")
    assert echo["senderData"]["chatId"] == LID
    journal = (await sim.http.get(f"{BASE}/lastOutgoingMessages/{TOKEN}")).json()
    assert [(e["idMessage"], e["chatId"], e["statusMessage"]) for e in journal] == [(id_message, LID, "read")]
    incoming_journal = (await sim.http.get(f"{BASE}/lastIncomingMessages/{TOKEN}")).json()
    assert [(e["chatId"], e["senderId"]) for e in incoming_journal] == [(LID, LID)]
    chat = (await sim.http.get(f"/sim/chats/{INSTANCE}/{LID}")).json()["messages"]
    assert [(m["direction"], m["idMessage"]) for m in chat] == [
        ("incoming", guest_message),
        ("outgoing", id_message),
    ]


async def test_a_contact_who_writes_as_c_us_is_journalled_and_echoed_as_lid(sim: Sim) -> None:
    """green-api/issues #1018: we write to the number, the journal and webhooks show the lid."""
    await add_contact(sim.http)
    await incoming(sim.http, text="Hi, from my number")
    await eventually(lambda: sim.receiver.bodies("incomingMessageReceived"))
    assert sim.receiver.bodies("incomingMessageReceived")[0]["senderData"]["chatId"] == CHAT

    id_message = await send(sim.http, "Hello Anna", chat_id=CHAT)
    await eventually(lambda: len(sim.receiver.bodies("outgoingMessageStatus")) == 3)
    [echo] = sim.receiver.bodies("outgoingAPIMessageReceived")
    assert (echo["idMessage"], echo["senderData"]["chatId"]) == (id_message, LID)
    assert echo["senderData"]["chatName"] == "Anna", "the chat name comes from what they wrote as c.us"
    assert {s["chatId"] for s in sim.receiver.bodies("outgoingMessageStatus")} == {LID}
    [entry] = (await sim.http.get(f"{BASE}/lastOutgoingMessages/{TOKEN}")).json()
    assert (entry["idMessage"], entry["chatId"]) == (id_message, LID)
    # One person, one chat: the guest phone shows both directions under either id.
    for chat_id in (CHAT, LID):
        chat = (await sim.http.get(f"/sim/chats/{INSTANCE}/{chat_id}")).json()["messages"]
        assert [m["direction"] for m in chat] == ["incoming", "outgoing"]


async def test_check_whatsapp_answers_the_lid_of_a_contact(sim: Sim) -> None:
    await add_contact(sim.http)
    path = f"{BASE}/checkWhatsapp/{TOKEN}"
    known = await sim.http.post(path, json={"phoneNumber": int(CHAT.removesuffix("@c.us"))})
    assert known.json() == {"existsWhatsapp": True, "chatId": LID}
    plain = await sim.http.post(path, json={"phoneNumber": 4915112345678})
    assert plain.json() == {"existsWhatsapp": True, "chatId": "4915112345678@c.us"}
    await sim.http.post("/sim/bad-numbers", json={"chatIds": ["49000123456@c.us"]})
    assert (await sim.http.post(path, json={"phoneNumber": 49000123456})).json() == {"existsWhatsapp": False}
    as_text = await sim.http.post(path, json={"phoneNumber": "491701234567"})
    assert as_text.status_code == 400
    assert as_text.json()["message"] == "Validation failed. Details: 'phoneNumber' must be a number"
    too_short = await sim.http.post(path, json={"phoneNumber": 12345})
    assert too_short.status_code == 400
    assert "bad phone number" in too_short.json()["message"]


async def test_get_contact_info_knows_the_name_under_either_id_but_no_number(sim: Sim) -> None:
    await add_contact(sim.http)
    await incoming(sim.http, chatId=LID, senderName="Lucia", text="hi")
    info = (await sim.http.post(f"{BASE}/getContactInfo/{TOKEN}", json={"chatId": CHAT})).json()
    assert (info["chatId"], info["name"]) == (CHAT, "Lucia")
    assert "phoneNumber" not in info, "the WhatsApp method documents no number"
    group = await sim.http.post(f"{BASE}/getContactInfo/{TOKEN}", json={"chatId": "120363000000000001@g.us"})
    assert group.status_code == 400
    assert "GetGroupData" in group.json()["message"]


async def test_sender_phone_number_only_when_asked_and_known(sim: Sim) -> None:
    await add_contact(sim.http)
    await incoming(sim.http, chatId=LID, text="with my number", withSenderPhoneNumber=True)
    await eventually(lambda: sim.receiver.bodies("incomingMessageReceived"))
    [body] = sim.receiver.bodies("incomingMessageReceived")
    assert body["senderData"]["chatId"] == LID
    assert body["senderData"]["senderPhoneNumber"] == 491701234567
    unknown_lid = {"chatId": "999999999999999@lid", "text": "x", "withSenderPhoneNumber": True}
    unknown = await sim.http.post("/sim/incoming", json={"idInstance": INSTANCE, **unknown_lid})
    assert unknown.status_code == 400
    assert "/sim/contacts" in unknown.json()["error"]


async def test_contacts_are_validated_listed_and_forgotten_on_reset(sim: Sim) -> None:
    await add_contact(sim.http, phone="491701234567", lid="104236588716712")
    bad = await sim.http.post("/sim/contacts", json={"phone": "+49 170", "lid": LID})
    assert bad.status_code == 400
    assert (await sim.http.get("/sim/contacts")).json() == [
        {"phone": "491701234567", "lid": "104236588716712", "chatIds": [CHAT, LID]}
    ]
    await sim.http.post("/sim/reset")
    assert (await sim.http.get("/sim/contacts")).json() == []


# ------------------------------------------------------------------------------------------ page and CLI


async def test_guest_phone_page_escapes_by_construction(sim: Sim) -> None:
    page = await sim.http.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "/sim/incoming" in page.text
    assert "/sim/chats/" in page.text
    assert "textContent" in page.text
    assert "innerHTML" not in page.text


def test_cli_binds_webhook_flags_to_the_instance_before_them() -> None:
    parser = build_parser()
    args = parser.parse_args(
        [
            "--instance",
            "1101:tokA:http://127.0.0.1:8000/webhooks/green-api",
            "--webhook-token",
            "secretA",
            "--instance",
            "2202:tokB",
            "--webhook-url",
            "http://localhost:9000/hook",
            "--status-delays",
            "0.1,0.2,0.3",
        ]
    )
    instances = parse_instances(parser, args.instance_options)
    assert instances == [
        SimInstance(1101, "tokA", "http://127.0.0.1:8000/webhooks/green-api", "secretA"),
        SimInstance(2202, "tokB", "http://localhost:9000/hook", ""),
    ]
    assert args.status_delays == (0.1, 0.2, 0.3)
    with pytest.raises(SystemExit):
        parse_instances(parser, [("webhook_url", "http://x")])
