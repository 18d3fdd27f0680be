"""The HTTP surface: the DeepSeek endpoints (docs/external-apis.md §B) and the ``/sim`` control API."""

from __future__ import annotations

from typing import Any, cast

from litestar import Litestar, Request, delete, get, post
from litestar.response import Response
from litestar.types import ASGIApp

from sim.llm.completions import bearer_key, chat_completion, error_body
from sim.llm.state import FAULT_MODES, LlmSimConfig, SimState


def _state(request: Request[Any, Any, Any]) -> SimState:
    state: SimState = request.app.state.sim
    return state


def _bad_control(message: str) -> Response[dict[str, Any]]:
    return Response({"error": message}, status_code=400)


@post(["/v1/chat/completions", "/chat/completions"])
async def chat_completions(request: Request[Any, Any, Any]) -> ASGIApp:
    response = await chat_completion(
        _state(request), request.headers.get("authorization"), await request.body()
    )
    return cast("ASGIApp", response)


def _authorized(request: Request[Any, Any, Any]) -> bool:
    return bearer_key(request.headers.get("authorization"), _state(request).config.api_keys) is not None


def _unauthorized() -> Response[dict[str, Any]]:
    body = error_body(
        "Authentication Fails, Your api key is invalid", "authentication_error", "invalid_api_key"
    )
    return Response(body, status_code=401)


@get(["/v1/models", "/models"])
async def list_models(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    if not _authorized(request):
        return _unauthorized()
    models = [
        {"id": name, "object": "model", "owned_by": "deepseek"} for name in _state(request).config.models
    ]
    return Response({"object": "list", "data": models})


@get(["/user/balance", "/v1/user/balance"])
async def user_balance(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    if not _authorized(request):
        return _unauthorized()
    state = _state(request)
    empty = state.faults.mode == "402"
    total = "0.00" if empty else state.config.balance
    info = {"currency": "USD", "total_balance": total, "granted_balance": "0.00", "topped_up_balance": total}
    return Response({"is_available": not empty, "balance_infos": [info]})


@post(["/sim/faults", "/v1/sim/faults"], status_code=200)
async def set_faults(request: Request[Any, Any, Any], data: dict[str, Any]) -> Response[dict[str, Any]]:
    mode, count = data.get("mode"), data.get("count", 1)
    if mode not in FAULT_MODES:
        return _bad_control(f"mode must be one of {', '.join(FAULT_MODES)}")
    if not isinstance(count, int) or isinstance(count, bool) or count < -1:
        return _bad_control("count must be an integer >= -1 (-1: until cleared)")
    faults = _state(request).faults
    faults.set(mode, count)
    return Response(faults.describe())


@get(["/sim/faults", "/v1/sim/faults"])
async def get_faults(request: Request[Any, Any, Any]) -> dict[str, Any]:
    return _state(request).faults.describe()


@delete(["/sim/faults", "/v1/sim/faults"])
async def clear_faults(request: Request[Any, Any, Any]) -> None:
    _state(request).faults.clear()


@post(["/sim/latency", "/v1/sim/latency"], status_code=200)
async def set_latency(request: Request[Any, Any, Any], data: dict[str, Any]) -> Response[dict[str, Any]]:
    milliseconds = data.get("ms")
    if not isinstance(milliseconds, int | float) or isinstance(milliseconds, bool) or milliseconds < 0:
        return _bad_control("ms must be a number >= 0")
    _state(request).latency_ms = int(milliseconds)
    return Response({"ms": int(milliseconds)})


@get(["/sim/requests", "/v1/sim/requests"])
async def recorded_requests(request: Request[Any, Any, Any]) -> list[Any]:
    """The bodies of the last chat completion requests, oldest first."""
    return list(_state(request).requests)


@post(["/sim/reset", "/v1/sim/reset"], status_code=204)
async def reset(request: Request[Any, Any, Any]) -> None:
    _state(request).reset()


def create_app(config: LlmSimConfig | None = None) -> Litestar:
    app = Litestar(
        route_handlers=[
            chat_completions,
            list_models,
            user_balance,
            set_faults,
            get_faults,
            clear_faults,
            set_latency,
            recorded_requests,
            reset,
        ],
        openapi_config=None,
    )
    app.state.sim = SimState(config or LlmSimConfig())
    return app
