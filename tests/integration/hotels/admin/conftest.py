"""Fixtures of the admin pages' tests: the app wired to both simulators over real HTTP, and the
world's staff in every role, signed in on demand."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from domain.settings import Settings
from domain.staff.models import Role
from sim.green_api import create_app as green_api_app
from sim.llm import LlmSimConfig
from sim.llm import create_app as llm_app
from tests.integration.hotels.admin.support import LLM_KEY, MONA, Clients, Sims
from tests.support.servers import serve_app
from tests.support.stack import fast_green_api
from tests.support.web import make_staff
from tests.support.world import World, build_world
from web.app import create_app


@pytest.fixture
def sims_servers() -> Iterator[tuple[str, str]]:
    with (
        serve_app(green_api_app(fast_green_api())) as green_url,
        serve_app(llm_app(LlmSimConfig(api_keys=[LLM_KEY, "sk-hotel-own"]))) as llm_url,
    ):
        yield green_url, llm_url


@pytest.fixture
async def sims(sims_servers: tuple[str, str]) -> AsyncIterator[Sims]:
    async with httpx.AsyncClient(timeout=10) as http:
        yield Sims(*sims_servers, http)


@pytest.fixture
def admin_settings(settings: Settings, sims: Sims) -> Settings:
    return settings.model_copy(
        update={
            "green_api_url": sims.green_url,
            "deepseek_api_url": sims.llm_url + "/v1",
            "deepseek_api_key": LLM_KEY,
            "public_base_url": "http://hotelbot.example",
        }
    )


@pytest.fixture
async def world(sessions: Any) -> World:
    """Aurora: Anna (agent), Alex (admin), Mona (manager); Borealis: Bob (agent), Bella (admin)."""
    built = await build_world(sessions, alex=Role.ADMIN, bella=True)
    await make_staff(sessions, built.aurora.id, MONA, Role.MANAGER, "Mona")
    return built


@pytest.fixture
def server(admin_settings: Settings, sessions: Any) -> Iterator[str]:
    with serve_app(create_app(admin_settings)) as url:
        yield url


@pytest.fixture
async def signed_in(server: str, world: World) -> AsyncIterator[Clients]:
    async with contextlib.AsyncExitStack() as stack:
        yield Clients(server, stack)
