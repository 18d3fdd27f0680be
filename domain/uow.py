"""Units of work: one transaction, and its side effects (live events, jobs) only after it commits.

``UnitOfWork`` is the ORM session every use case can rely on. ``DriverUnitOfWork`` is a plain
asyncpg connection for the ingest hot path (and the live push's reads): its statements are prepared
once per connection and nothing is built per message. The caller picks one up front, by the use
case; no use case runs on both.
"""

from __future__ import annotations

import contextlib
import logging
from types import TracebackType
from typing import Any, Self

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.conversations.ingest_sql import STORE_GUEST_MESSAGE, IngestBatches
from domain.conversations.repository import SqlConversations
from domain.db import CONNECTION_LOST, DatabaseUnavailable
from domain.events import Event
from domain.ports import Dispatcher, JobRequest

log = logging.getLogger(__name__)


class AfterCommit:
    def __init__(self, dispatcher: Dispatcher):
        self._dispatcher = dispatcher
        self.events: list[Event] = []
        self.jobs: list[JobRequest] = []

    def publish(self, event: Event) -> None:
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

    @property
    def conversations(self) -> SqlConversations:
        return SqlConversations(self.session)

    def add(self, row: object) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def fetchrow(self, sql: str, *args: Any) -> Any:
        """Plain SQL on the asyncpg connection, inside this session's transaction: the ingest
        statements a use case on the session shares with the fast path."""
        connection = await self.session.connection()
        raw = await connection.get_raw_connection()
        try:
            return await raw.driver_connection.fetchrow(sql, *args)  # type: ignore[union-attr]
        except CONNECTION_LOST as exc:
            await connection.invalidate(exc)
            raise DatabaseUnavailable(str(exc)) from exc

    async def ingest(self, args: tuple[Any, ...]) -> Any:
        return await self.fetchrow(STORE_GUEST_MESSAGE, *args)

    async def execute(self, sql: str, *args: Any) -> str:
        connection = await self.session.connection()
        raw = await connection.get_raw_connection()
        try:
            return str(await raw.driver_connection.execute(sql, *args))  # type: ignore[union-attr]
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
    transaction (no BEGIN/COMMIT round trips); events and jobs leave after the statements ran.
    A use case with a second statement (the rare reopen after ingest) guards it by the facts the
    first one answered, so each statement is correct on its own. The connection is taken at the
    first statement; a guest message's own statement goes through ``batches`` (group commit) when
    there are any, and needs none."""

    def __init__(self, pool: asyncpg.Pool, dispatcher: Dispatcher, batches: IngestBatches | None = None):
        super().__init__(dispatcher)
        self._pool = pool
        self._batches = batches
        self._connection: Any = None
        self._broken = False

    async def __aenter__(self) -> Self:
        return self

    async def _connected(self) -> Any:
        if self._connection is None:
            try:
                self._connection = await self._pool.acquire()
            except CONNECTION_LOST as exc:
                raise DatabaseUnavailable(str(exc)) from exc
        return self._connection

    async def ingest(self, args: tuple[Any, ...]) -> Any:
        if self._batches is not None:
            return await self._batches.store(args)
        return await self.fetchrow(STORE_GUEST_MESSAGE, *args)

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        connection = await self._connected()
        try:
            return list(await connection.fetch(sql, *args))
        except CONNECTION_LOST as exc:
            self._broken = True
            raise DatabaseUnavailable(str(exc)) from exc

    async def fetchrow(self, sql: str, *args: Any) -> Any:
        connection = await self._connected()
        try:
            return await connection.fetchrow(sql, *args)
        except CONNECTION_LOST as exc:
            self._broken = True
            raise DatabaseUnavailable(str(exc)) from exc

    async def execute(self, sql: str, *args: Any) -> str:
        connection = await self._connected()
        try:
            return str(await connection.execute(sql, *args))
        except CONNECTION_LOST as exc:
            self._broken = True
            raise DatabaseUnavailable(str(exc)) from exc

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            # A broken connection: the pool opens a new one. One that PostgreSQL closed is back in
            # the pool already (asyncpg releases it when it closes), and terminate() refuses.
            with contextlib.suppress(Exception):
                if self._broken:
                    connection.terminate()
                await self._pool.release(connection)
        if exc_type is None:
            await self.dispatch()
