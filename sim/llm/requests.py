"""Validating a ``POST /chat/completions`` body the way DeepSeek does (docs/external-apis.md §B3,
§B4, §B7, §B8)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

ROLES = ("system", "user", "assistant", "tool")
_TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class InvalidRequestError(Exception):
    """Answered with an OpenAI-style error body."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        code: str = "invalid_request_error",
        param: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.param = param


@dataclass(frozen=True, slots=True)
class ChatRequest:
    model: str
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    #: the tools the model may call in this turn (none when ``tool_choice`` is "none")
    tool_names: frozenset[str]
    stream: bool
    include_usage: bool
    json_object: bool
    thinking: bool
    max_tokens: int | None
    user_id: str | None


def parse_chat_request(body: Any, models: list[str]) -> ChatRequest:
    if not isinstance(body, dict):
        raise InvalidRequestError(
            "Failed to deserialize the JSON body into the target type: expected an object"
        )
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InvalidRequestError("Failed to deserialize the JSON body: missing field `model`", param="model")
    if model not in models:
        raise InvalidRequestError(
            f"Model Not Exist: {model!r}. Available models: {', '.join(models)}",
            code="model_not_found",
            param="model",
        )
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise InvalidRequestError("`messages` must be a non-empty list", param="messages")
    thinking = _thinking(body.get("thinking"))
    _check_messages(messages, thinking)
    tools = _tools(body.get("tools"))
    tool_names = _callable_tools(body.get("tool_choice"), tools)
    json_object = _json_object(body.get("response_format"), messages)
    _check_range(body, "temperature", 0, 2)
    _check_range(body, "top_p", 0, 1)
    _check_range(body, "presence_penalty", -2, 2)
    _check_range(body, "frequency_penalty", -2, 2)
    max_tokens = body.get("max_tokens")
    if max_tokens is not None and (
        not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1
    ):
        raise _invalid_parameter("max_tokens", "must be a positive integer")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise _invalid_parameter("stream", "must be a boolean")
    stream_options = body.get("stream_options") or {}
    if not isinstance(stream_options, dict):
        raise _invalid_parameter("stream_options", "must be an object")
    user_id = body.get("user_id")
    if user_id is not None and (not isinstance(user_id, str) or len(user_id.encode()) > 512):
        raise _invalid_parameter("user_id", "must be a string of at most 512 bytes")
    return ChatRequest(
        model=model,
        messages=messages,
        tools=tools,
        tool_names=tool_names,
        stream=stream,
        include_usage=bool(stream_options.get("include_usage")),
        json_object=json_object,
        thinking=thinking,
        max_tokens=max_tokens,
        user_id=user_id,
    )


def _invalid_parameter(param: str, problem: str) -> InvalidRequestError:
    return InvalidRequestError(
        f"Invalid parameter `{param}`: {problem}", status=422, code="invalid_parameter", param=param
    )


def _check_range(body: dict[str, Any], param: str, low: float, high: float) -> None:
    value = body.get(param)
    if value is None:
        return
    if not isinstance(value, int | float) or isinstance(value, bool) or not low <= value <= high:
        raise _invalid_parameter(param, f"must be a number between {low} and {high}")


def _thinking(value: Any) -> bool:
    """Thinking mode is on unless the request turns it off (docs/external-apis.md §B2)."""
    if value is None:
        return True
    if not isinstance(value, dict) or value.get("type") not in ("enabled", "disabled"):
        raise _invalid_parameter("thinking", 'must be {"type": "enabled" | "disabled"}')
    return bool(value["type"] == "enabled")


def _check_messages(messages: list[Any], thinking: bool) -> None:
    pending: set[str] = set()  # tool calls of the last assistant turn still waiting for their result
    known: set[str] = set()
    for index, message in enumerate(messages):
        param = f"messages[{index}]"
        if not isinstance(message, dict):
            raise InvalidRequestError(f"{param}: expected an object", param=param)
        role = message.get("role")
        if role not in ROLES:
            raise InvalidRequestError(
                f"{param}: unknown variant `{role}`, expected one of `system`, `user`, `assistant`, `tool`",
                param=param,
            )
        if pending and role != "tool":
            raise InvalidRequestError(
                f"{param}: an assistant message with 'tool_calls' must be followed by tool messages "
                f"responding to each 'tool_call_id' (missing: {', '.join(sorted(pending))})",
                param=param,
            )
        if role in ("system", "user"):
            if not _is_text(message.get("content")):
                raise InvalidRequestError(f"{param}: `content` must be a string", param=param)
        elif role == "assistant":
            pending = _check_assistant(message, param, thinking)
            known |= pending
        else:
            call_id = message.get("tool_call_id")
            if not isinstance(call_id, str) or not isinstance(message.get("content"), str):
                raise InvalidRequestError(
                    f"{param}: a tool message needs `tool_call_id` and string `content`", param=param
                )
            if call_id not in known:
                raise InvalidRequestError(
                    f"{param}: messages with role 'tool' must be a response to a preceding message "
                    "with 'tool_calls'",
                    param=param,
                )
            pending.discard(call_id)
    if pending:
        raise InvalidRequestError(
            f"messages: the tool calls {', '.join(sorted(pending))} have no tool message answering them",
            param="messages",
        )


def _check_assistant(message: dict[str, Any], param: str, thinking: bool) -> set[str]:
    content = message.get("content")
    tool_calls = message.get("tool_calls") or []
    if content is not None and not _is_text(content):
        raise InvalidRequestError(f"{param}: `content` must be a string or null", param=param)
    if not isinstance(tool_calls, list) or (content is None and not tool_calls):
        raise InvalidRequestError(
            f"{param}: an assistant message needs `content` or `tool_calls`", param=param
        )
    ids: set[str] = set()
    for call in tool_calls:
        function = call.get("function") if isinstance(call, dict) else None
        if (
            not isinstance(function, dict)
            or not isinstance(call.get("id"), str)
            or not isinstance(function.get("name"), str)
            or not isinstance(function.get("arguments"), str)
        ):
            raise InvalidRequestError(
                f"{param}: each tool call needs `id`, `type`, `function.name` and `function.arguments` "
                "(a JSON string)",
                param=param,
            )
        ids.add(call["id"])
    if ids and thinking and not isinstance(message.get("reasoning_content"), str):
        raise InvalidRequestError(
            "The `reasoning_content` in the thinking mode must be passed back to the API.", param=param
        )
    return ids


def _is_text(content: Any) -> bool:
    if isinstance(content, str):
        return True
    return isinstance(content, list) and all(
        isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str)
        for part in content
    )


def _tools(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidRequestError("`tools` must be a list", param="tools")
    for tool in value:
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict) or tool.get("type") != "function":
            raise InvalidRequestError(
                'each tool must be {"type": "function", "function": {...}}', param="tools"
            )
        if not isinstance(function.get("name"), str) or not _TOOL_NAME.match(function["name"]):
            raise _invalid_parameter(
                "tools", "a function name uses a-z, A-Z, 0-9, _ and -, up to 64 characters"
            )
        if "parameters" in function and not isinstance(function["parameters"], dict):
            raise _invalid_parameter("tools", "`parameters` must be a JSON Schema object")
    return value


def _callable_tools(tool_choice: Any, tools: list[dict[str, Any]]) -> frozenset[str]:
    names = frozenset(tool["function"]["name"] for tool in tools)
    if tool_choice in (None, "auto", "required"):
        return names
    if tool_choice == "none":
        return frozenset()
    if isinstance(tool_choice, dict) and isinstance(tool_choice.get("function"), dict):
        name = tool_choice["function"].get("name")
        if name in names:
            return frozenset({name})
    raise _invalid_parameter(
        "tool_choice", 'must be "none", "auto", "required" or a function offered in `tools`'
    )


def _json_object(response_format: Any, messages: list[dict[str, Any]]) -> bool:
    if response_format is None:
        return False
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    if kind not in ("text", "json_object"):
        raise _invalid_parameter("response_format", 'type must be "text" or "json_object"')
    if kind == "json_object" and not any(
        "json" in str(message.get("content") or "").casefold() for message in messages
    ):
        raise InvalidRequestError(
            "Prompt must contain the word 'json' in some form to use 'response_format' of type "
            "'json_object'.",
            param="messages",
        )
    return bool(kind == "json_object")
