"""What the conversation use cases look up, behind a Protocol: SQL here, a fake in unit tests."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.conversations.models import (
    AiDraft,
    Author,
    Conversation,
    CsatSurvey,
    Direction,
    DraftStatus,
    Message,
    SlaBreach,
)
from domain.events import Event
from domain.guests.models import Guest
from domain.hotels.models import Hotel
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

    async def close_breaches(self, conversation_id: UUID, staff_id: UUID | None) -> None:
        """The reply that ends a guest's wait closes the wait's breach, if it breached."""

    async def survey_facts(self, conversation: Conversation) -> SurveyFacts:
        """What deciding on a satisfaction question after a resolve needs."""


@dataclass(frozen=True, slots=True)
class SurveyFacts:
    csat_enabled: bool
    is_group: bool
    language: str | None
    chat_id: str
    last_asked: datetime.datetime | None
    last_staff_reply: tuple[datetime.datetime, UUID | None] | None


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
        return await self.session.scalar(
            select(Conversation)
            .where(Conversation.id == conversation_id, Conversation.hotel_id == hotel_id)
            .with_for_update()
        )

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
        return await self.session.scalar(
            select(AiDraft)
            .where(
                AiDraft.id == draft_id,
                AiDraft.conversation_id == conversation_id,
                AiDraft.hotel_id == hotel_id,
            )
            .with_for_update()
        )

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
        return await self.session.scalar(
            select(Message.id)
            .where(Message.conversation_id == conversation_id, Message.author == Author.GUEST)
            .order_by(Message.created_at.desc())
            .limit(1)
        )

    async def ai_replied_to(self, trigger_message_id: UUID) -> bool:
        found = await self.session.scalar(
            select(Message.id).where(Message.ai_trigger_message_id == trigger_message_id)
        )
        return found is not None

    async def close_breaches(self, conversation_id: UUID, staff_id: UUID | None) -> None:
        await self.session.execute(
            update(SlaBreach)
            .where(SlaBreach.conversation_id == conversation_id, SlaBreach.answered_at.is_(None))
            .values(answered_at=datetime.datetime.now(datetime.UTC), answered_by=staff_id)
        )

    async def survey_facts(self, conversation: Conversation) -> SurveyFacts:
        hotel = (
            await self.session.execute(
                select(Hotel.csat_enabled, Guest.is_group, Guest.language, Guest.chat_id)
                .join(Guest, Guest.hotel_id == Hotel.id)
                .where(Hotel.id == conversation.hotel_id, Guest.id == conversation.guest_id)
            )
        ).one()
        last_asked = await self.session.scalar(
            select(CsatSurvey.asked_at)
            .where(CsatSurvey.conversation_id == conversation.id)
            .order_by(CsatSurvey.asked_at.desc())
            .limit(1)
        )
        reply = (
            await self.session.execute(
                select(Message.created_at, Message.staff_id)
                .where(
                    Message.conversation_id == conversation.id,
                    Message.author == Author.STAFF,
                    Message.direction == Direction.OUT,
                )
                .order_by(Message.created_at.desc())
                .limit(1)
            )
        ).one_or_none()
        return SurveyFacts(
            csat_enabled=hotel.csat_enabled,
            is_group=hotel.is_group,
            language=hotel.language,
            chat_id=hotel.chat_id,
            last_asked=last_asked,
            last_staff_reply=None if reply is None else (reply.created_at, reply.staff_id),
        )
