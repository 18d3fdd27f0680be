"""OpenAI-compatible chat completions client (DeepSeek, docs/external-apis.md §B): one call, typed answer.

The client classifies failures and never retries: an ``LlmTransientError`` is worth trying again
later (the job decides when), an ``LlmPermanentError`` is not. It always turns DeepSeek's thinking
mode off (B2) and tolerates the blank keep-alive lines DeepSeek sends before a slow body (B6). The
caller owns the ``httpx.AsyncClient``; ``llm_timeout()`` gives the timeouts to build it with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
import msgspec

MAX_ERROR_TEXT = 300


@dataclass(frozen=True, slots=True)
class LlmEndpoint:
    base_url: str  # e.g. https://api.deepseek.com or http://127.0.0.1:8002/v1; /chat/completions is appended
    api_key: str = field(repr=False)
    model: str


@dataclass(frozen=True, slots=True)
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int
    cache_hit_tokens: int
    cache_miss_tokens: int


@dataclass(frozen=True, slots=True)
class Completion:
    content: str  # "" when the model only called tools
    tool_calls: tuple[ToolCall, ...]
    finish_reason: str
    usage: Usage
    model: str
    #: the assistant message as it goes back into the history (with tool_calls / reasoning_content)
    message: dict[str, Any]


class LlmError(Exception):
    """A chat completion failed. ``status`` is the HTTP status (None: no usable answer)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class LlmTransientError(LlmError):
    """Worth retrying: 429, 5xx, timeouts, connection errors, blank or cut-off answers, broken JSON."""


class LlmPermanentError(LlmError):
    """Retrying will not help: bad request, wrong key, no balance, invalid parameters (other 4xx)."""


class LlmClient(Protocol):
    async def complete(
        self,
        endpoint: LlmEndpoint,
        messages: list[dict[str, Any]],
        *,
        tools: list[dict[str, Any]] | None = None,
        temperature: float = 0.3,
        max_tokens: int = 800,
        json_object: bool = False,
        user_id: str | None = None,
    ) -> Completion: ...


def llm_timeout() -> httpx.Timeout:
    """Connect 10 s, read 120 s (a busy server may take long to answer: docs/external-apis.md §B9),
    write 30 s."""
    return httpx.Timeout(connect=10.0, read=120.0, write=30.0, pool=10.0)


# --------------------------------------------------------------------------- response shapes


class _Function(msgspec.Struct):
    name: str
    arguments: str = ""


class _ToolCall(msgspec.Struct, kw_only=True):
    # Fields in the order the history sends them back (``msgspec.to_builtins``).
    id: str
    type: str = "function"
    function: _Function


class _Message(msgspec.Struct):
    content: str | None = None
    reasoning_content: str | None = None
    tool_calls: list[_ToolCall] | None = None


class _Choice(msgspec.Struct):
    message: _Message
    finish_reason: str | None = None


class _Usage(msgspec.Struct):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    prompt_cache_hit_tokens: int | None = None
    prompt_cache_miss_tokens: int | None = None


class _Answer(msgspec.Struct):
    choices: list[_Choice]
    model: str = ""
    usage: _Usage | None = None


class _ErrorDetail(msgspec.Struct):
    message: str = ""


class _ErrorAnswer(msgspec.Struct):
    error: _ErrorDetail


# --------------------------------------------------------------------------- classification


def classify(status: int, body: str) -> LlmError:
    """The error for a non-success answer (docs/external-apis.md §B8)."""
    try:
        detail = msgspec.json.decode(body.strip(), type=_ErrorAnswer).error.message
    except (msgspec.DecodeError, msgspec.ValidationError):
        detail = body.strip()
    message = f"LLM answered HTTP {status}: {detail[:MAX_ERROR_TEXT]}".rstrip(": ")
    if status in (408, 429) or status >= 500:
        return LlmTransientError(message, status=status)
    return LlmPermanentError(message, status=status)


class OpenAICompatibleLlm:
    """``LlmClient`` over HTTP, for DeepSeek and any OpenAI-compatible server."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def complete(
        self,
        endpoint: LlmEndpoint,
        messages: list[dict[str, Any]],
        *,
        tools: list[dict[str, Any]] | None = None,
        temperature: float = 0.3,
        max_tokens: int = 800,
        json_object: bool = False,
        user_id: str | None = None,
    ) -> Completion:
        payload: dict[str, Any] = {
            "model": endpoint.model,
            "messages": messages,
            "temperature": temperature,
            "max_tokens": max_tokens,
            "stream": False,
            "thinking": {"type": "disabled"},
        }
        if tools:
            payload["tools"] = tools
            payload["tool_choice"] = "auto"
        if json_object:
            payload["response_format"] = {"type": "json_object"}
        if user_id is not None:
            payload["user_id"] = user_id
        body = await self._post(endpoint, payload)
        return _completion(body, endpoint.model)

    async def _post(self, endpoint: LlmEndpoint, payload: dict[str, Any]) -> bytes:
        url = endpoint.base_url.rstrip("/") + "/chat/completions"
        headers = {"Authorization": f"Bearer {endpoint.api_key}", "Accept": "application/json"}
        try:
            response = await self._client.post(url, json=payload, headers=headers)
        except httpx.TimeoutException as exc:
            raise LlmTransientError(f"LLM call timed out ({type(exc).__name__})") from None
        except (httpx.UnsupportedProtocol, httpx.LocalProtocolError) as exc:
            raise LlmPermanentError(f"LLM call impossible: {_scrub(str(exc), endpoint)}") from None
        except httpx.TransportError as exc:
            detail = _scrub(f"{type(exc).__name__}: {exc}", endpoint)
            raise LlmTransientError(f"LLM unreachable: {detail}") from None
        if 200 <= response.status_code < 300:
            return response.content
        raise classify(response.status_code, _scrub(response.text, endpoint))


def _completion(body: bytes, requested_model: str) -> Completion:
    """Decode a 200 body; an answer that cannot be used as it is raises ``LlmTransientError``."""
    try:
        # DeepSeek sends blank lines while it is busy, before the JSON (docs/external-apis.md §B6).
        answer = msgspec.json.decode(body.strip(), type=_Answer)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise LlmTransientError(
            f"LLM answered a body that is not a chat completion: {exc}", status=200
        ) from None
    if not answer.choices:
        raise LlmTransientError("LLM answered no choices", status=200)
    choice = answer.choices[0]
    finish_reason = choice.finish_reason or ""
    content = choice.message.content or ""
    calls = tuple(_tool_call(call) for call in choice.message.tool_calls or ())
    if finish_reason == "insufficient_system_resource":
        raise LlmTransientError("LLM ran short of capacity and cut the answer off", status=200)
    if finish_reason == "tool_calls" and not calls:
        raise LlmTransientError("LLM finished with tool_calls but sent none", status=200)
    if not content.strip() and not calls:
        raise LlmTransientError(f"LLM answered blank content (finish_reason {finish_reason!r})", status=200)
    usage = answer.usage or _Usage()
    hit = usage.prompt_cache_hit_tokens or 0
    miss = usage.prompt_cache_miss_tokens
    return Completion(
        content=content,
        tool_calls=calls,
        finish_reason=finish_reason,
        usage=Usage(
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            cache_hit_tokens=hit,
            cache_miss_tokens=miss if miss is not None else max(usage.prompt_tokens - hit, 0),
        ),
        model=answer.model or requested_model,
        message=_history_message(choice.message),
    )


def _tool_call(call: _ToolCall) -> ToolCall:
    try:
        arguments = json.loads(call.function.arguments or "{}")
    except ValueError:
        arguments = None
    if not isinstance(arguments, dict):
        raise LlmTransientError(
            f"LLM called {call.function.name} with arguments that are not a JSON object", status=200
        )
    return ToolCall(id=call.id, name=call.function.name, arguments=arguments)


def _history_message(message: _Message) -> dict[str, Any]:
    """The assistant turn as it must be sent back: reasoning_content kept with tool calls
    (docs/external-apis.md §B4)."""
    turn: dict[str, Any] = {"role": "assistant", "content": message.content or ""}
    if message.reasoning_content is not None:
        turn["reasoning_content"] = message.reasoning_content
    if message.tool_calls:
        turn["tool_calls"] = msgspec.to_builtins(message.tool_calls)
    return turn


def _scrub(text: str, endpoint: LlmEndpoint) -> str:
    return text.replace(endpoint.api_key, "***") if endpoint.api_key else text
