"""A unit of work for tests that call a use case directly: real PostgreSQL, and a dispatcher that
keeps what would have gone out after commit."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.events import Event
from domain.ports import JobRequest
from domain.uow import UnitOfWork


class Recorded:
    """What a unit of work sent out after commit."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.jobs: list[JobRequest] = []

    async def publish(self, events: Sequence[Event]) -> None:
        self.events.extend(events)

    async def enqueue(self, jobs: Sequence[JobRequest]) -> None:
        self.jobs.extend(jobs)


def unit_of_work(sessions: async_sessionmaker[AsyncSession], recorded: Recorded | None = None) -> UnitOfWork:
    return UnitOfWork(sessions, recorded or Recorded())
