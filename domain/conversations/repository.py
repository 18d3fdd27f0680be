"""What the conversation use cases look up, behind a Protocol: SQL here, a fake in unit tests."""

from __future__ import annotations

import datetime
from typing import Protocol
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.conversations.models import AiDraft, Author, Conversation, DraftStatus, Message
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

    async def draft(self, hotel_id: UUID, conversation_id: UUID, draft_id: UUID) -> AiDraft | None:
        """One of the conversation's drafts, locked, scoped by the acting hotel."""

    async def close_pending_drafts(
        self, conversation_id: UUID, status: DraftStatus, staff_id: UUID | None
    ) -> list[UUID]:
        """End the draft waiting in this conversation (if any) as ``status``; the ids ended."""

    async def latest_guest_message(self, conversation_id: UUID) -> UUID | None: ...

    async def ai_replied_to(self, trigger_message_id: UUID) -> bool:
        """Whether the AI's reply to this guest message is queued or sent already."""


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

    async def draft(self, hotel_id: UUID, conversation_id: UUID, draft_id: UUID) -> AiDraft | None:
        return (
            await self.session.execute(
                select(AiDraft)
                .where(
                    AiDraft.id == draft_id,
                    AiDraft.conversation_id == conversation_id,
                    AiDraft.hotel_id == hotel_id,
                )
                .with_for_update()
            )
        ).scalar_one_or_none()

    async def close_pending_drafts(
        self, conversation_id: UUID, status: DraftStatus, staff_id: UUID | None
    ) -> list[UUID]:
        now = datetime.datetime.now(datetime.UTC)
        closed = await self.session.execute(
            update(AiDraft)
            .where(AiDraft.conversation_id == conversation_id, AiDraft.status == DraftStatus.PENDING.value)
            .values(status=status.value, decided_at=now, decided_by=staff_id, updated_at=now)
            .returning(AiDraft.id)
            .execution_options(synchronize_session=False)
        )
        return list(closed.scalars())

    async def latest_guest_message(self, conversation_id: UUID) -> UUID | None:
        return (
            await self.session.execute(
                select(Message.id)
                .where(Message.conversation_id == conversation_id, Message.author == Author.GUEST)
                .order_by(Message.created_at.desc())
                .limit(1)
            )
        ).scalar_one_or_none()

    async def ai_replied_to(self, trigger_message_id: UUID) -> bool:
        found = await self.session.execute(
            select(Message.id).where(Message.ai_trigger_message_id == trigger_message_id)
        )
        return found.scalar_one_or_none() is not None
