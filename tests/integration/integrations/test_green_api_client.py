"""The Green API client against the simulator over real HTTP: answers, and how failures are classified."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from litestar import Litestar, Response, get

from domain.integrations.green_api import (
    GreenApiError,
    GreenApiGateway,
    GreenApiPermanentError,
    GreenApiResponseError,
    GreenApiTransientError,
    HttpGreenApi,
    InstanceCredentials,
    OutgoingJournalEntry,
    green_api_timeout,
)
from sim.green_api import SimConfig, SimInstance, create_app
from tests.support.servers import free_port, serve_app

INSTANCE = 1101000002
TOKEN = "5f0c8e1b2a3d4c5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f"
CHAT = "491709876543@c.us"


@dataclass
class Harness:
    url: str
    creds: InstanceCredentials
    api: HttpGreenApi
    http: httpx.AsyncClient  # for the simulator's control API


@pytest.fixture(scope="module")
def sim_url() -> Iterator[str]:
    config = SimConfig(
        status_delays=(0.02, 0.02, 0.02),
        webhook_timeout=0.3,
        webhook_retry_pause=0.05,
        send_delay_ms=0,
        min_send_delay_ms=0,
        rate_limits=False,
        instances=[SimInstance(INSTANCE, TOKEN)],
    )
    with serve_app(create_app(config)) as url:
        yield url


@pytest.fixture
async def harness(sim_url: str) -> AsyncIterator[Harness]:
    async with (
        httpx.AsyncClient(timeout=green_api_timeout()) as client,
        httpx.AsyncClient(base_url=sim_url, timeout=5) as control,
    ):
        assert (await control.post("/sim/reset")).status_code == 200
        creds = InstanceCredentials(id_instance=INSTANCE, api_token=TOKEN, api_url=sim_url + "/")
        yield Harness(sim_url, creds, HttpGreenApi(client), control)


async def add_fault(h: Harness, method: str, mode: str, **extra: Any) -> None:
    body = {"idInstance": INSTANCE, "method": method, "mode": mode, **extra}
    response = await h.http.post("/sim/faults", json=body)
    assert response.status_code == 201, response.text


def assert_token_hidden(exc: GreenApiError) -> None:
    assert TOKEN not in str(exc)
    assert TOKEN not in exc.body


# ------------------------------------------------------------------------------------------ answers


async def test_send_message_returns_the_id_and_the_journal_shows_it(harness: Harness) -> None:
    gateway: GreenApiGateway = harness.api
    id_message = await gateway.send_message(harness.creds, CHAT, "Checkout is at 11:00")
    assert len(id_message) == 20
    assert id_message == id_message.upper()

    async def read_entry() -> OutgoingJournalEntry | None:
        entries = await gateway.last_outgoing_messages(harness.creds, minutes=5)
        return entries[0] if entries and entries[0].status == "read" else None

    deadline = time.monotonic() + 5
    while (entry := await read_entry()) is None:
        assert time.monotonic() < deadline, "message never reached 'read'"
        await asyncio.sleep(0.05)
    assert entry == OutgoingJournalEntry(
        id_message=id_message,
        timestamp=entry.timestamp,
        chat_id=CHAT,
        type_message="textMessage",
        text="Checkout is at 11:00",
        status="read",
        send_by_api=True,
    )
    assert abs(entry.timestamp - time.time()) < 10


async def test_quoted_reply_and_link_message_reach_the_journal(harness: Harness) -> None:
    quoted = await harness.api.send_message(harness.creds, CHAT, "Question?")
    reply = await harness.api.send_message(
        harness.creds, CHAT, "Answer: https://hotel.example/spa", quoted_message_id=quoted
    )
    entries = await harness.api.last_outgoing_messages(harness.creds)
    assert [e.id_message for e in entries] == [reply, quoted]
    assert entries[0].type_message == "extendedTextMessage"
    assert entries[0].text == "Answer: https://hotel.example/spa"
    chat = (await harness.http.get(f"/sim/chats/{INSTANCE}/{CHAT}")).json()
    assert chat["messages"][-1]["quotedMessageId"] == quoted


async def test_state_and_settings_round_trip(harness: Harness) -> None:
    assert await harness.api.get_state_instance(harness.creds) == "authorized"
    await harness.api.set_settings(
        harness.creds,
        {"webhookUrl": "", "webhookUrlToken": "tok-9", "markIncomingMessagesReadedOnReply": "yes"},
    )
    settings = await harness.api.get_settings(harness.creds)
    assert settings["webhookUrlToken"] == "tok-9"
    assert settings["markIncomingMessagesReadedOnReply"] == "yes"
    assert settings["incomingWebhook"] == "yes"
    await harness.http.post("/sim/state", json={"idInstance": INSTANCE, "stateInstance": "blocked"})
    assert await harness.api.get_state_instance(harness.creds) == "blocked"


def test_timeouts_are_explicit() -> None:
    timeout = green_api_timeout()
    assert (timeout.connect, timeout.read, timeout.write, timeout.pool) == (5.0, 30.0, 10.0, 5.0)


def test_credentials_repr_hides_the_token() -> None:
    creds = InstanceCredentials(id_instance=1, api_token="secret-token-value", api_url="http://x")
    assert "secret-token-value" not in repr(creds)


# ------------------------------------------------------------------------------------------ classification


async def test_wrong_token_is_permanent_401(harness: Harness) -> None:
    creds = InstanceCredentials(INSTANCE, "wrong-token", harness.url)
    with pytest.raises(GreenApiPermanentError) as info:
        await harness.api.get_state_instance(creds)
    assert info.value.status == 401
    assert info.value.method == "getStateInstance"


async def test_unknown_instance_is_permanent_403(harness: Harness) -> None:
    creds = InstanceCredentials(999, TOKEN, harness.url)
    with pytest.raises(GreenApiPermanentError) as info:
        await harness.api.send_message(creds, CHAT, "hi")
    assert info.value.status == 403
    assert_token_hidden(info.value)


async def test_validation_error_is_permanent_with_the_body(harness: Harness) -> None:
    with pytest.raises(GreenApiPermanentError) as info:
        await harness.api.send_message(harness.creds, CHAT, "x" * 20001)
    assert info.value.status == 400
    assert (
        "Validation failed. Details: 'message' length must be less than or equal to 20000" in info.value.body
    )
    assert_token_hidden(info.value)  # the validation body echoes the path, token included


async def test_set_settings_needs_a_setting(harness: Harness) -> None:
    with pytest.raises(ValueError, match="at least one"):
        await harness.api.set_settings(harness.creds, {})
    with pytest.raises(GreenApiPermanentError) as info:
        await harness.api.set_settings(harness.creds, {"incomingWebhook": "maybe"})
    assert info.value.status == 400


@pytest.mark.parametrize(
    ("mode", "status", "error_type"),
    [
        ("429", 429, GreenApiTransientError),
        ("500", 500, GreenApiTransientError),
        ("502", 502, GreenApiTransientError),
        ("503", 503, GreenApiTransientError),
        ("starting", 400, GreenApiTransientError),
        ("not_authorized", 400, GreenApiPermanentError),
        ("466", 466, GreenApiPermanentError),
    ],
)
async def test_fault_modes_are_classified(
    harness: Harness, mode: str, status: int, error_type: type[GreenApiError]
) -> None:
    await add_fault(harness, "sendMessage", mode)
    with pytest.raises(GreenApiError) as info:
        await harness.api.send_message(harness.creds, CHAT, "hello")
    assert type(info.value) is error_type
    assert info.value.status == status
    assert_token_hidden(info.value)
    # the fault was for one call only: the next one goes through
    assert len(await harness.api.send_message(harness.creds, CHAT, "hello")) == 20


async def test_466_keeps_the_quota_body(harness: Harness) -> None:
    await add_fault(harness, "sendMessage", "466")
    with pytest.raises(GreenApiPermanentError) as info:
        await harness.api.send_message(harness.creds, CHAT, "hello")
    assert "CORRESPONDENTS_QUOTE_EXCEEDED" in info.value.body


async def test_client_timeout_is_transient_and_the_message_was_still_sent(harness: Harness) -> None:
    await add_fault(harness, "sendMessage", "slow", delay=2.0)
    short = httpx.Timeout(connect=1.0, read=0.3, write=1.0, pool=1.0)
    async with httpx.AsyncClient(timeout=short) as client:
        with pytest.raises(GreenApiTransientError) as info:
            await HttpGreenApi(client).send_message(harness.creds, CHAT, "did it go?")
    assert info.value.status is None
    assert "timed out" in str(info.value)
    entries = await harness.api.last_outgoing_messages(harness.creds)
    assert [e.text for e in entries] == ["did it go?"]  # sent, though we never got the idMessage


async def test_hanging_server_is_transient(harness: Harness) -> None:
    await add_fault(harness, "getStateInstance", "timeout", delay=3.0)
    short = httpx.Timeout(connect=1.0, read=0.2, write=1.0, pool=1.0)
    async with httpx.AsyncClient(timeout=short) as client:
        with pytest.raises(GreenApiTransientError):
            await HttpGreenApi(client).get_state_instance(harness.creds)


async def test_connection_refused_is_transient() -> None:
    creds = InstanceCredentials(INSTANCE, TOKEN, f"http://127.0.0.1:{free_port()}")
    async with httpx.AsyncClient(timeout=green_api_timeout()) as client:
        with pytest.raises(GreenApiTransientError) as info:
            await HttpGreenApi(client).get_state_instance(creds)
    assert info.value.status is None
    assert_token_hidden(info.value)


def _odd_server() -> Litestar:
    """A server that answers 200 with bodies that are not Green API's, and a 499."""

    @get("/waInstance1/getStateInstance/{token:str}")
    async def not_json(token: str) -> Response[str]:
        return Response("<html>proxy login</html>", media_type="text/html")

    @get("/waInstance1/getSettings/{token:str}")
    async def wrong_shape(token: str) -> Response[str]:
        return Response('["not", "an", "object"]', media_type="application/json")

    @get("/waInstance1/lastOutgoingMessages/{token:str}")
    async def client_closed(token: str) -> Response[str]:
        return Response("Client Closed Request", status_code=499)

    return Litestar([not_json, wrong_shape, client_closed])


async def test_unexpected_bodies_and_499() -> None:
    with serve_app(_odd_server()) as url:
        creds = InstanceCredentials(1, "tok", url)
        async with httpx.AsyncClient(timeout=green_api_timeout()) as client:
            api = HttpGreenApi(client)
            with pytest.raises(GreenApiResponseError) as info:
                await api.get_state_instance(creds)
            assert isinstance(info.value, GreenApiPermanentError)
            assert info.value.status == 200
            assert "proxy login" in info.value.body
            with pytest.raises(GreenApiResponseError):
                await api.get_settings(creds)
            with pytest.raises(GreenApiTransientError) as closed:
                await api.last_outgoing_messages(creds)
            assert closed.value.status == 499
