"""Units of work: one transaction, and its side effects (live events, jobs) only after it commits.

``UnitOfWork`` is the ORM session every use case can rely on. ``DriverUnitOfWork`` is the same
contract on a plain asyncpg connection, for the ingest hot path: its statements are prepared once
per connection and nothing is built per message. A use case that needs the session there raises
``NeedsSession`` before committing anything, and the caller runs it again on a ``UnitOfWork``.
"""

from __future__ import annotations

import contextlib
import logging
from types import TracebackType
from typing import Any, Self

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.db import DatabaseUnavailable
from domain.ports import Dispatcher, JobRequest, LiveEvent

log = logging.getLogger(__name__)

CONNECTION_LOST = (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, ConnectionError, OSError)


class NeedsSession(Exception):
    """The use case needs the ORM session; run it again on a ``UnitOfWork``."""


class AfterCommit:
    def __init__(self, dispatcher: Dispatcher):
        self._dispatcher = dispatcher
        self.events: list[LiveEvent] = []
        self.jobs: list[JobRequest] = []

    def publish(self, event: LiveEvent) -> None:
        self.events.append(event)

    def enqueue(self, job: JobRequest) -> None:
        self.jobs.append(job)

    async def dispatch(self) -> None:
        """After commit: a failure here loses nothing, the periodic sweep re-enqueues from rows."""
        events, jobs = self.events, self.jobs
        self.events, self.jobs = [], []
        if jobs:
            try:
                await self._dispatcher.enqueue(jobs)
            except Exception:
                log.warning("enqueue failed after commit; the sweep will pick the work up", exc_info=True)
        if events:
            try:
                await self._dispatcher.publish(events)
            except Exception:
                log.warning("live publish failed after commit", exc_info=True)


class UnitOfWork(AfterCommit):
    def __init__(self, sessions: async_sessionmaker[AsyncSession], dispatcher: Dispatcher):
        super().__init__(dispatcher)
        self._sessions = sessions

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        await self.session.begin()
        return self

    async def run(self, method: str, sql: str, *args: Any) -> Any:
        """Plain SQL on the asyncpg connection under this session's transaction."""
        connection = await self.session.connection()
        raw = await connection.get_raw_connection()
        try:
            return await getattr(raw.driver_connection, method)(sql, *args)
        except CONNECTION_LOST as exc:
            await connection.invalidate(exc)
            raise DatabaseUnavailable(str(exc)) from exc

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc_type is not None:
                await self.session.rollback()
                return
            await self.session.commit()
        finally:
            await self.session.close()
        await self.dispatch()


class DriverUnitOfWork(AfterCommit):
    """Single-statement use cases on a pooled asyncpg connection, each statement its own
    transaction (no BEGIN/COMMIT round trips); events and jobs leave after the statements ran."""

    def __init__(self, pool: asyncpg.Pool, dispatcher: Dispatcher):
        super().__init__(dispatcher)
        self._pool = pool
        self._connection: Any = None
        self._broken = False

    async def __aenter__(self) -> Self:
        try:
            self._connection = await self._pool.acquire()
        except CONNECTION_LOST as exc:
            raise DatabaseUnavailable(str(exc)) from exc
        return self

    async def run(self, method: str, sql: str, *args: Any) -> Any:
        try:
            return await getattr(self._connection, method)(sql, *args)
        except CONNECTION_LOST as exc:
            self._broken = True
            raise DatabaseUnavailable(str(exc)) from exc

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            if self._broken:
                connection.terminate()
            with contextlib.suppress(Exception):  # a broken connection: the pool opens a new one
                await self._pool.release(connection)
        if exc_type is None:
            await self.dispatch()
