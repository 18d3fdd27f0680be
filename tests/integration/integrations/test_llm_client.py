"""The LLM client against the simulator over real HTTP: request shape, decoding, error classes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from domain.integrations.llm import (
    LlmEndpoint,
    LlmPermanentError,
    LlmTransientError,
    OpenAICompatibleLlm,
    ToolCall,
    llm_timeout,
)
from sim.llm import LlmSimConfig, create_app
from tests.support.servers import free_port, serve_app

KEY = "sk-client-test-0123456789"
MODEL = "deepseek-v4-flash"
BREAKFAST = "0b9a5c1e-3f7d-4e2a-8c6b-1d2e3f4a5b6c"
WIFI = "1c0b6d2f-4a8e-4f3b-9d7c-2e3f4a5b6c7d"

SYSTEM = (
    "You are the WhatsApp concierge of Hotel Seeblick.\n\n"
    "Rules:\n- Answer only from the knowledge below. Cite entries as [kb:<id>].\n\n"
    "## Knowledge\n\n"
    f"[kb:{BREAKFAST}] Breakfast\nBreakfast is served from 7:00 to 10:30 in the Garden Restaurant.\n\n"
    f"[kb:{WIFI}] Wi-Fi\nNetwork Seeblick-Guest, password: Sunrise2024!"
)

TOOLS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": {arg: {"type": "string"} for arg in args}},
        },
    }
    for name, description, args in (
        ("hand_off_to_staff", "Pass the conversation to staff.", ("reason", "summary")),
        ("create_service_request", "Housekeeping or maintenance.", ("category", "details", "room")),
    )
]


def guest_says(text: str) -> list[dict[str, Any]]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": text}]


@pytest.fixture(scope="module")
def sim_url() -> Iterator[str]:
    config = LlmSimConfig(api_keys=[KEY], timeout_seconds=5, keep_alive_seconds=0.05)
    with serve_app(create_app(config)) as url:
        yield url


@pytest.fixture(autouse=True)
def _fresh_sim(sim_url: str) -> None:
    httpx.post(f"{sim_url}/sim/reset").raise_for_status()


@pytest.fixture
def endpoint(sim_url: str) -> LlmEndpoint:
    return LlmEndpoint(base_url=f"{sim_url}/v1", api_key=KEY, model=MODEL)


@pytest.fixture
async def llm() -> AsyncIterator[OpenAICompatibleLlm]:
    async with httpx.AsyncClient(timeout=llm_timeout()) as http:
        yield OpenAICompatibleLlm(http)


async def set_fault(sim_url: str, mode: str, count: int = 1) -> None:
    async with httpx.AsyncClient() as http:
        (await http.post(f"{sim_url}/sim/faults", json={"mode": mode, "count": count})).raise_for_status()


async def last_request(sim_url: str) -> dict[str, Any]:
    async with httpx.AsyncClient() as http:
        recorded: list[dict[str, Any]] = (await http.get(f"{sim_url}/sim/requests")).json()
    return recorded[-1]


async def test_a_grounded_answer_is_decoded(
    llm: OpenAICompatibleLlm, endpoint: LlmEndpoint, sim_url: str
) -> None:
    completion = await llm.complete(
        endpoint, guest_says("Wann gibt es Frühstück?"), tools=TOOLS, user_id="g-1"
    )

    assert completion.content.startswith("Gerne, hier die Information:\n")
    assert "7:00 to 10:30" in completion.content
    assert completion.content.rstrip().endswith(f"[kb:{BREAKFAST}]")
    assert completion.tool_calls == ()
    assert completion.finish_reason == "stop"
    assert completion.model == MODEL
    assert completion.message == {"role": "assistant", "content": completion.content}
    usage = completion.usage
    assert usage.prompt_tokens > 0
    assert usage.completion_tokens > 0
    assert usage.cache_hit_tokens + usage.cache_miss_tokens == usage.prompt_tokens
    sent = await last_request(sim_url)
    assert sent["thinking"] == {"type": "disabled"}
    assert sent["model"] == MODEL
    assert sent["stream"] is False
    assert sent["temperature"] == 0.3
    assert sent["max_tokens"] == 800
    assert sent["user_id"] == "g-1"
    assert sent["tool_choice"] == "auto"
    assert [tool["function"]["name"] for tool in sent["tools"]] == [
        "hand_off_to_staff",
        "create_service_request",
    ]
    assert "response_format" not in sent


async def test_the_second_call_with_the_same_prefix_is_a_cache_hit(
    llm: OpenAICompatibleLlm, endpoint: LlmEndpoint
) -> None:
    first = await llm.complete(endpoint, guest_says("When is breakfast?"), tools=TOOLS, user_id="g-2")
    second = await llm.complete(
        endpoint, guest_says("What is the wifi password?"), tools=TOOLS, user_id="g-2"
    )

    assert first.usage.cache_hit_tokens == 0
    assert second.usage.cache_hit_tokens >= len(SYSTEM) // 4
    assert second.usage.cache_hit_tokens + second.usage.cache_miss_tokens == second.usage.prompt_tokens
    assert "Sunrise2024!" in second.content


@pytest.mark.parametrize("base", ["{url}/v1", "{url}/v1/", "{url}"])
async def test_base_url_with_or_without_v1(llm: OpenAICompatibleLlm, sim_url: str, base: str) -> None:
    endpoint = LlmEndpoint(base_url=base.format(url=sim_url), api_key=KEY, model=MODEL)

    completion = await llm.complete(endpoint, guest_says("What is the wifi password?"))

    assert "Sunrise2024!" in completion.content


async def test_a_tool_call_round_trip(llm: OpenAICompatibleLlm, endpoint: LlmEndpoint) -> None:
    messages = guest_says("Could you bring two towels to room 312?")

    first = await llm.complete(endpoint, messages, tools=TOOLS)

    assert first.finish_reason == "tool_calls"
    assert first.content == ""
    (call,) = first.tool_calls
    assert call == ToolCall(
        id=call.id,
        name="create_service_request",
        arguments={
            "category": "housekeeping",
            "details": "Could you bring two towels to room 312?",
            "room": "312",
        },
    )
    assert first.message["role"] == "assistant"
    assert first.message["tool_calls"][0]["id"] == call.id
    assert json.loads(first.message["tool_calls"][0]["function"]["arguments"]) == call.arguments

    messages += [first.message, {"role": "tool", "tool_call_id": call.id, "content": "Request created."}]
    second = await llm.complete(endpoint, messages, tools=TOOLS)

    assert second.content == "I've passed your request to housekeeping, it's on its way."
    assert second.tool_calls == ()
    assert second.finish_reason == "stop"


async def test_a_request_for_a_person_is_a_hand_off_call(
    llm: OpenAICompatibleLlm, endpoint: LlmEndpoint
) -> None:
    completion = await llm.complete(endpoint, guest_says("Je voudrais parler à une personne"), tools=TOOLS)

    (call,) = completion.tool_calls
    assert call.name == "hand_off_to_staff"
    assert call.arguments["reason"] == "guest_requested_human"


async def test_json_object_mode(llm: OpenAICompatibleLlm, endpoint: LlmEndpoint, sim_url: str) -> None:
    messages = [
        {
            "role": "system",
            "content": "Rewrite the guest's question as a search query in English. "
            'Answer in json: {"query": "..."}',
        },
        {"role": "user", "content": "¿Cuál es la contraseña del wifi?"},
    ]

    completion = await llm.complete(endpoint, messages, json_object=True, max_tokens=100)

    assert json.loads(completion.content) == {"query": "wifi password"}
    sent = await last_request(sim_url)
    assert sent["response_format"] == {"type": "json_object"}
    assert sent["max_tokens"] == 100
    assert "tools" not in sent
    assert "user_id" not in sent


# --------------------------------------------------------------------------- classification


@pytest.mark.parametrize(("mode", "status"), [("429", 429), ("500", 500), ("503", 503)])
async def test_rate_limits_and_server_errors_are_transient(
    llm: OpenAICompatibleLlm, endpoint: LlmEndpoint, sim_url: str, mode: str, status: int
) -> None:
    await set_fault(sim_url, mode)

    with pytest.raises(LlmTransientError) as caught:
        await llm.complete(endpoint, guest_says("Hi"))

    assert caught.value.status == status


async def test_insufficient_balance_is_permanent(
    llm: OpenAICompatibleLlm, endpoint: LlmEndpoint, sim_url: str
) -> None:
    await set_fault(sim_url, "402")

    with pytest.raises(LlmPermanentError) as caught:
        await llm.complete(endpoint, guest_says("Hi"))

    assert caught.value.status == 402
    assert "Insufficient Balance" in str(caught.value)


@pytest.mark.parametrize(
    "mode", ["blank", "insufficient_system_resource", "invalid_json", "bad_tool_arguments", "drop"]
)
async def test_unusable_answers_are_transient(
    llm: OpenAICompatibleLlm, endpoint: LlmEndpoint, sim_url: str, mode: str
) -> None:
    await set_fault(sim_url, mode)

    with pytest.raises(LlmTransientError):
        await llm.complete(endpoint, guest_says("When is breakfast?"), tools=TOOLS)

    assert (await llm.complete(endpoint, guest_says("When is breakfast?"))).finish_reason == "stop"


async def test_a_cut_off_answer_is_returned_for_the_caller_to_judge(
    llm: OpenAICompatibleLlm, endpoint: LlmEndpoint, sim_url: str
) -> None:
    await set_fault(sim_url, "length")

    completion = await llm.complete(endpoint, guest_says("When is breakfast?"))

    assert completion.finish_reason == "length"
    assert completion.content.startswith("Here is what I can tell you:")
    assert f"[kb:{BREAKFAST}]" not in completion.content


async def test_a_timeout_is_transient(endpoint: LlmEndpoint, sim_url: str) -> None:
    await set_fault(sim_url, "timeout")

    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0, read=0.3)) as http:
        with pytest.raises(LlmTransientError) as caught:
            await OpenAICompatibleLlm(http).complete(endpoint, guest_says("Hi"))

    assert caught.value.status is None
    assert "timed out" in str(caught.value)


async def test_keep_alive_blank_lines_before_the_body_are_tolerated(
    llm: OpenAICompatibleLlm, endpoint: LlmEndpoint, sim_url: str
) -> None:
    async with httpx.AsyncClient() as http:
        await http.post(f"{sim_url}/sim/latency", json={"ms": 150})

    completion = await llm.complete(endpoint, guest_says("What is the wifi password?"))

    assert "Sunrise2024!" in completion.content


async def test_a_wrong_key_is_permanent_and_never_echoed(llm: OpenAICompatibleLlm, sim_url: str) -> None:
    wrong = LlmEndpoint(base_url=f"{sim_url}/v1", api_key="sk-wrong-secret", model=MODEL)

    with pytest.raises(LlmPermanentError) as caught:
        await llm.complete(wrong, guest_says("Hi"))

    assert caught.value.status == 401
    assert "sk-wrong-secret" not in str(caught.value)
    assert "sk-wrong-secret" not in repr(wrong)


async def test_an_unknown_model_is_permanent(llm: OpenAICompatibleLlm, sim_url: str) -> None:
    retired = LlmEndpoint(base_url=f"{sim_url}/v1", api_key=KEY, model="deepseek-chat")

    with pytest.raises(LlmPermanentError) as caught:
        await llm.complete(retired, guest_says("Hi"))

    assert caught.value.status == 400
    assert "deepseek-chat" in str(caught.value)


async def test_an_invalid_parameter_is_permanent(llm: OpenAICompatibleLlm, endpoint: LlmEndpoint) -> None:
    with pytest.raises(LlmPermanentError) as caught:
        await llm.complete(endpoint, guest_says("Hi"), temperature=7.5)

    assert caught.value.status == 422


async def test_an_unreachable_server_is_transient(llm: OpenAICompatibleLlm) -> None:
    nobody = LlmEndpoint(base_url=f"http://127.0.0.1:{free_port()}/v1", api_key=KEY, model=MODEL)

    with pytest.raises(LlmTransientError) as caught:
        await llm.complete(nobody, guest_says("Hi"))

    assert caught.value.status is None
    assert "unreachable" in str(caught.value)


async def test_a_base_url_without_http_is_permanent(llm: OpenAICompatibleLlm) -> None:
    broken = LlmEndpoint(base_url="ftp://example.invalid/v1", api_key=KEY, model=MODEL)

    with pytest.raises(LlmPermanentError):
        await llm.complete(broken, guest_says("Hi"))


def test_timeouts_are_explicit() -> None:
    timeout = llm_timeout()

    assert timeout.connect == 10.0
    assert timeout.read == 120.0
