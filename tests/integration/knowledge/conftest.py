"""The web app against the LLM and Green API simulators, for the knowledge pages."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient

from domain.settings import Settings
from domain.staff.models import Role
from sim.green_api import create_app as green_api_app
from sim.llm import create_app as llm_app
from tests.support.servers import serve_app
from tests.support.stack import fast_green_api
from tests.support.world import World, build_world
from web.app import create_app


@pytest.fixture
def llm_url() -> Iterator[str]:
    with serve_app(llm_app()) as url:
        yield url


@pytest.fixture
def green_url() -> Iterator[str]:
    with serve_app(green_api_app(fast_green_api())) as url:
        yield url


@pytest.fixture
async def world(sessions: Any) -> World:
    """Aurora with Anna (agent) and Alex (admin); Borealis with Bob (agent) and Bella (admin)."""
    return await build_world(sessions, alex=Role.ADMIN, bella=True)


@pytest.fixture
async def client(
    settings: Settings, sessions: Any, llm_url: str, green_url: str, world: World
) -> AsyncIterator[AsyncTestClient[Any]]:
    async with httpx.AsyncClient() as http:
        for hotel in (world.aurora, world.borealis):
            created = await http.post(
                f"{green_url}/sim/instances",
                json={"idInstance": hotel.green_api_instance_id, "apiTokenInstance": "api-token"},
            )
            created.raise_for_status()
    app = create_app(
        settings.model_copy(update={"deepseek_api_url": llm_url + "/v1", "green_api_url": green_url})
    )
    async with AsyncTestClient(app=app) as test_client:
        test_client.follow_redirects = False  # the tests read where a form sends the browser
        yield test_client
