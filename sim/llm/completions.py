"""``POST /chat/completions``: auth, validation, faults, the model's reply, in B5/B6 shape."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import dataclass, replace
from typing import Any

from sim.llm.model import Reply, reply_to
from sim.llm.requests import ChatRequest, InvalidRequestError, parse_chat_request
from sim.llm.responses import (
    AsgiApp,
    after_pause,
    completion_response,
    dropped_response,
    encode,
    event_stream,
    json_response,
)
from sim.llm.state import ERROR_FAULTS, SimState
from sim.llm.usage import count_tokens, prompt_text, usage

_FINGERPRINT = "fp_sim_llm"
_CHUNK_CHARS = 12


def error_body(message: str, kind: str, code: str, param: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def bearer_key(authorization: str | None, accepted: list[str]) -> str | None:
    """The API key of an ``Authorization: Bearer`` header, if it is accepted."""
    scheme, _, key = (authorization or "").partition(" ")
    key = key.strip()
    if scheme.casefold() != "bearer" or not key or (accepted and key not in accepted):
        return None
    return key


def unauthorized() -> AsgiApp:
    message = "Authentication Fails, Your api key is invalid"
    return json_response(401, error_body(message, "authentication_error", "invalid_api_key"))


@dataclass(frozen=True, slots=True)
class Outcome:
    content: str
    tool_calls: list[dict[str, Any]]
    finish_reason: str
    reasoning: str | None


async def chat_completion(state: SimState, authorization: str | None, raw_body: bytes) -> AsgiApp:
    try:
        body: Any = json.loads(raw_body)
    except ValueError:
        body = None
    state.requests.append(body if body is not None else {"unparsed": raw_body.decode(errors="replace")})
    key = bearer_key(authorization, state.config.api_keys)
    if key is None:
        return unauthorized()
    try:
        request = parse_chat_request(body, state.config.models)
    except InvalidRequestError as problem:
        return json_response(
            problem.status, error_body(problem.message, "invalid_request_error", problem.code, problem.param)
        )

    fault = state.faults.take()
    delay = state.latency_ms / 1000
    if fault in ERROR_FAULTS:
        status, message, kind, code = ERROR_FAULTS[fault]
        headers = {"Retry-After": "1"} if status == 429 else None
        return after_pause(delay, json_response(status, error_body(message, kind, code), headers))

    outcome = _outcome(reply_to(request.messages, request.tool_names), request, fault)
    prompt = prompt_text(request.messages, request.tools)
    prompt_tokens = count_tokens(prompt)
    hit_tokens = state.cache.hit_tokens((key, request.user_id or ""), prompt)
    reasoning_tokens = count_tokens(outcome.reasoning or "")
    completion_tokens = reasoning_tokens + count_tokens(
        outcome.content + "".join(call["function"]["arguments"] for call in outcome.tool_calls)
    )
    token_usage = usage(prompt_tokens, hit_tokens, completion_tokens, reasoning_tokens)
    head: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "created": int(time.time()),
        "model": request.model,
        "system_fingerprint": _FINGERPRINT,
    }
    response = _deliver(
        head,
        outcome,
        token_usage,
        request,
        fault=fault,
        delay=delay,
        keep_alive=state.config.keep_alive_seconds,
    )
    if fault == "timeout":
        return after_pause(state.config.timeout_seconds, response)
    return response


def _deliver(
    head: dict[str, Any],
    outcome: Outcome,
    token_usage: dict[str, Any],
    request: ChatRequest,
    *,
    fault: str | None,
    delay: float,
    keep_alive: float,
) -> AsgiApp:
    """The completion as a JSON body or an event stream, broken the way ``fault`` asks."""
    if request.stream:
        events = _stream_events(head, outcome, token_usage if request.include_usage else None)
        if fault == "invalid_json":
            broken = b'data: {"id": "' + head["id"].encode() + b'", "choices": [\n\n'
            events = [events[0], broken, b"data: [DONE]\n\n"]
        return event_stream(events, delay, keep_alive, drop_after=2 if fault == "drop" else None)
    payload = {
        **head,
        "object": "chat.completion",
        "choices": [
            {
                "index": 0,
                "message": _message(outcome),
                "logprobs": None,
                "finish_reason": outcome.finish_reason,
            }
        ],
        "usage": token_usage,
    }
    encoded = encode(payload)
    if fault == "invalid_json":
        encoded = encoded[: len(encoded) // 2]
    return dropped_response(encoded) if fault == "drop" else completion_response(encoded, delay, keep_alive)


def _outcome(reply: Reply, request: ChatRequest, fault: str | None) -> Outcome:
    content = reply.content
    if request.json_object and content and not _is_json_object(content):
        content = json.dumps({"reply": content}, ensure_ascii=False)
    calls = [
        _tool_call(request, index, call.name, json.dumps(call.arguments, ensure_ascii=False))
        for index, call in enumerate(reply.tool_calls)
    ]
    finish_reason = "tool_calls" if calls else "stop"
    if request.max_tokens is not None and count_tokens(content) > request.max_tokens:
        content, finish_reason = content[: request.max_tokens * 4], "length"
    reasoning = reply.reasoning if request.thinking else None
    outcome = Outcome(content, calls, finish_reason, reasoning)
    if fault == "blank":
        return replace(outcome, content=" " * 24, tool_calls=[], finish_reason="stop")
    if fault == "length":
        return replace(
            outcome, content=content[: max(1, len(content) // 2)], tool_calls=[], finish_reason="length"
        )
    if fault == "insufficient_system_resource":
        return replace(
            outcome,
            content=content[: len(content) // 3],
            tool_calls=[],
            finish_reason="insufficient_system_resource",
        )
    if fault == "tool_loop" and not calls:
        again = _last_tool_call(request.messages)
        if again is not None:
            looped = _tool_call(request, 0, again.get("name", ""), again.get("arguments", "{}"))
            return replace(outcome, content="", tool_calls=[looped], finish_reason="tool_calls")
    if fault == "bad_tool_arguments":
        broken = calls[0] if calls else _tool_call(request, 0, "hand_off_to_staff", "")
        broken = {**broken, "function": {**broken["function"], "arguments": '{"reason": "not_in_kn'}}
        return replace(outcome, content="", tool_calls=[broken], finish_reason="tool_calls")
    return outcome


def _last_tool_call(messages: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The function of the conversation's latest tool call, if any."""
    for message in reversed(messages):
        calls = message.get("tool_calls") if message.get("role") == "assistant" else None
        if calls:
            function: dict[str, Any] = calls[-1].get("function") or {}
            return function
    return None


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def _tool_call(request: ChatRequest, index: int, name: str, arguments: str) -> dict[str, Any]:
    seed = f"{json.dumps(request.messages, sort_keys=True, default=str)}|{index}".encode()
    call_id = "call_" + hashlib.sha256(seed).hexdigest()[:24]
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def _message(outcome: Outcome) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": outcome.content}
    if outcome.reasoning is not None:
        message["reasoning_content"] = outcome.reasoning
    if outcome.tool_calls:
        message["tool_calls"] = outcome.tool_calls
    return message


def _pieces(text: str) -> list[str]:
    return [text[start : start + _CHUNK_CHARS] for start in range(0, len(text), _CHUNK_CHARS)]


def _stream_events(head: dict[str, Any], outcome: Outcome, token_usage: dict[str, Any] | None) -> list[bytes]:
    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        return {**head, "object": "chat.completion.chunk", "choices": [choice]}

    chunks = [chunk({"role": "assistant", "content": ""})]
    chunks += [chunk({"reasoning_content": piece}) for piece in _pieces(outcome.reasoning or "")]
    chunks += [chunk({"content": piece}) for piece in _pieces(outcome.content)]
    for index, call in enumerate(outcome.tool_calls):
        function = call["function"]
        opening = {
            "index": index,
            "id": call["id"],
            "type": "function",
            "function": {"name": function["name"], "arguments": ""},
        }
        chunks.append(chunk({"tool_calls": [opening]}))
        chunks += [
            chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
            for piece in _pieces(function["arguments"])
        ]
    chunks.append(chunk({"content": ""}, outcome.finish_reason))
    if token_usage is not None:
        chunks.append({**head, "object": "chat.completion.chunk", "choices": [], "usage": token_usage})
    return [b"data: " + encode(item) + b"\n\n" for item in chunks] + [b"data: [DONE]\n\n"]
