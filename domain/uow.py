"""The unit of work: one transaction, and its side effects only after it commits."""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.ports import Dispatcher, JobRequest, LiveEvent

log = logging.getLogger(__name__)


class UnitOfWork:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], dispatcher: Dispatcher):
        self._sessions = sessions
        self._dispatcher = dispatcher
        self.events: list[LiveEvent] = []
        self.jobs: list[JobRequest] = []

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        await self.session.begin()
        return self

    def publish(self, event: LiveEvent) -> None:
        self.events.append(event)

    def enqueue(self, job: JobRequest) -> None:
        self.jobs.append(job)

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
