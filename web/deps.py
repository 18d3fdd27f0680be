"""What handlers declare and Litestar hands them (litestar-fullstack's ``provide_*`` functions).

The lifespan (``web.app``) builds ``Resources`` and the live hub once and keeps them in the
application state; only the providers here read that state, and handlers name what they need:
``resources``, ``uow`` (one unit of work per write), ``db`` (a read-only session), ``timezones``,
``hub``, and ``actor`` (``web.auth``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, cast

from litestar.datastructures import State
from litestar.di import Provide
from litestar.types import Scope
from sqlalchemy.ext.asyncio import AsyncSession

from domain.uow import UnitOfWork
from web.auth import provide_actor
from web.live import LiveHub
from web.resources import HotelTimezones, ProvidedResources, Resources


def provide_resources(state: State) -> Resources:
    return cast(Resources, state.resources)


def resources_of(scope: Scope) -> Resources:
    """The same, for the one plain ASGI route (the webhook), which Litestar does not inject into."""
    return cast(Resources, scope["litestar_app"].state.resources)


def provide_hub(state: State) -> LiveHub:
    return cast(LiveHub, state.hub)


def provide_uow(resources: ProvidedResources) -> UnitOfWork:
    """Not yet begun: the handler opens it with ``async with uow:`` around the one use case, so what
    it does after (render, redirect) happens after the commit and its events."""
    return resources.uow()


async def provide_db(resources: ProvidedResources) -> AsyncIterator[AsyncSession]:
    """A session for reads; nothing is committed through it."""
    async with resources.sessions() as db:
        yield db


def provide_timezones(resources: ProvidedResources) -> HotelTimezones:
    return resources.timezones


DEPENDENCIES: dict[str, Any] = {
    "resources": Provide(provide_resources, sync_to_thread=False),
    "hub": Provide(provide_hub, sync_to_thread=False),
    "uow": Provide(provide_uow, sync_to_thread=False),
    "db": Provide(provide_db),
    "timezones": Provide(provide_timezones, sync_to_thread=False),
    "actor": Provide(provide_actor),
}
