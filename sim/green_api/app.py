"""The simulator's ASGI app: real Green API methods, the ``/sim/`` control API and the guest phone."""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request, Response, route
from litestar.datastructures import State
from litestar.enums import HttpMethod

from .config import SimConfig
from .control import CONTROL_HANDLERS, ControlError, control_error_handler
from .engine import Engine
from .methods import Methods
from .phone import guest_phone
from .state import SimState

GREEN_API_PATHS = [
    "/{segment:str}/{method:str}/{token:str}",
    "/{segment:str}/{method:str}/{token:str}/{extra:str}",
]


def create_app(config: SimConfig | None = None) -> Litestar:
    """Build a fresh simulator. Its workers start with the app's lifespan (on the server's loop)."""
    sim = SimState(config or SimConfig())
    engine = Engine(sim)
    methods = Methods(sim, engine)

    @route(
        GREEN_API_PATHS,
        http_method=[HttpMethod.GET, HttpMethod.POST, HttpMethod.DELETE],
        include_in_schema=False,
    )
    async def green_api_method(
        request: Request[Any, Any, Any], segment: str, method: str, token: str, extra: str | None = None
    ) -> Response[bytes]:
        return await methods.handle(request, segment, method, token, extra)

    async def start_workers() -> None:
        await engine.start()

    async def stop_workers() -> None:
        await engine.stop()

    return Litestar(
        route_handlers=[green_api_method, guest_phone, *CONTROL_HANDLERS],
        state=State({"sim": sim, "engine": engine}),
        on_startup=[start_workers],
        on_shutdown=[stop_workers],
        exception_handlers={ControlError: control_error_handler},
        openapi_config=None,
    )
