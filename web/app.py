"""The application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from alembic.config import Config
from alembic.script import ScriptDirectory
from arq.connections import ArqRedis
from litestar import Litestar

import domain.models  # noqa: F401 - every table registered before the first query
from domain.db import create_engine, session_factory
from domain.settings import Settings, get_settings
from jobs.enqueue import RedisDispatcher
from web.deps import Resources
from web.errors import EXCEPTION_HANDLERS
from web.routes.health import health, ready
from web.routes.webhooks import green_api_webhook

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def migration_head() -> str | None:
    config = Config(str(ROOT / "alembic.ini"))
    return ScriptDirectory.from_config(config).get_current_head()


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        engine = create_engine(settings.sqlalchemy_url)
        redis = ArqRedis.from_url(
            settings.redis_url, socket_connect_timeout=1, socket_timeout=2, retry_on_timeout=True
        )
        app.state.resources = Resources(
            settings=settings,
            engine=engine,
            sessions=session_factory(engine),
            redis=redis,
            dispatcher=RedisDispatcher(redis, settings.redis_prefix),
            migration_head=migration_head(),
        )
        try:
            yield
        finally:
            await redis.aclose()
            await engine.dispose()

    return Litestar(
        route_handlers=[health, ready, green_api_webhook],
        lifespan=[lifespan],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        debug=False,
    )


def app_from_env() -> Litestar:
    """Entry point for ``uvicorn --factory web.app:app_from_env``."""
    return create_app()
