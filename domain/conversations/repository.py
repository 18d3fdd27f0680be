"""What the conversation use cases look up, behind a Protocol: SQL here, a fake in unit tests."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.conversations.models import Conversation
from domain.events import Event
from domain.guests.models import Guest
from domain.ports import JobRequest
from domain.staff.models import Membership, StaffUser


class ConversationRepository(Protocol):
    async def lock(self, hotel_id: UUID, conversation_id: UUID) -> Conversation | None:
        """The conversation, locked for this transaction, scoped by the acting hotel."""

    async def chat_id_of(self, guest_id: UUID) -> str: ...

    async def works_here(self, hotel_id: UUID, staff_id: UUID) -> bool:
        """An active membership of an enabled account at this hotel."""


class ConversationWork(Protocol):
    """The unit of work as the conversation use cases see it (``domain.uow.UnitOfWork`` is one)."""

    @property
    def conversations(self) -> ConversationRepository: ...

    def add(self, row: object) -> None: ...

    async def flush(self) -> None: ...

    def publish(self, event: Event) -> None: ...

    def enqueue(self, job: JobRequest) -> None: ...


class SqlConversations:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def lock(self, hotel_id: UUID, conversation_id: UUID) -> Conversation | None:
        return (
            await self.session.execute(
                select(Conversation)
                .where(Conversation.id == conversation_id, Conversation.hotel_id == hotel_id)
                .with_for_update()
            )
        ).scalar_one_or_none()

    async def chat_id_of(self, guest_id: UUID) -> str:
        return (await self.session.execute(select(Guest.chat_id).where(Guest.id == guest_id))).scalar_one()

    async def works_here(self, hotel_id: UUID, staff_id: UUID) -> bool:
        member = await self.session.execute(
            select(Membership.id)
            .join(StaffUser, StaffUser.id == Membership.staff_id)
            .where(
                Membership.hotel_id == hotel_id,
                Membership.staff_id == staff_id,
                Membership.is_active,
                StaffUser.is_active,
            )
        )
        return member.scalar_one_or_none() is not None
