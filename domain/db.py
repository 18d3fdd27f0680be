"""Persistence plumbing: the declarative base and the engine (units of work: ``domain.uow``)."""

from __future__ import annotations

import asyncpg
from advanced_alchemy.base import UUIDv7AuditBase
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from domain.errors import Unavailable

Base = UUIDv7AuditBase


class DatabaseUnavailable(Unavailable):
    """PostgreSQL cannot be reached right now; the caller should try again later."""


# What asyncpg raises when the connection to PostgreSQL is gone (rather than a statement's error).
CONNECTION_LOST = (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, ConnectionError, OSError)
# What PostgreSQL answers while it does not serve at all (shutting down, starting, out of
# connections or disk): any statement would get the same answer now.
NOT_SERVING = (asyncpg.exceptions.OperatorInterventionError, asyncpg.exceptions.InsufficientResourcesError)


metadata = Base.metadata


def create_engine(url: str, *, pool_size: int = 10, pre_ping: bool = True) -> AsyncEngine:
    """``pre_ping`` costs three round trips per checkout; the web process, where every webhook
    checks out a connection, turns it off: a connection found dead is invalidated with its pool and
    the request answers 503, which Green API retries."""
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=pre_ping,
        pool_recycle=1800,
        # An error names the statement but not its values: they are guests' words and numbers.
        hide_parameters=True,
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def schema_version(engine: AsyncEngine) -> str | None:
    """The migration the database is at (readiness compares it with the code's head)."""
    async with engine.connect() as connection:
        version = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    return str(version) if version is not None else None
