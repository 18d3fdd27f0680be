"""Read models for staff screens: the inbox and one conversation. Always scoped by the acting hotel."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.conversations.models import (
    Author,
    Conversation,
    ConversationRead,
    Message,
    Note,
    SavedReply,
    State,
    StateTransition,
)
from domain.guests.models import Guest
from domain.knowledge.models import KnowledgeEntry
from domain.requests.models import ServiceRequest
from domain.staff.models import Membership, StaffUser

SECTION_LIMIT = 100
MAX_SEARCH = 100

REASON_LABELS = {
    "guest_requested_human": "guest asked for a person",
    "not_in_knowledge": "the knowledge has no answer",
    "ai_failure": "the AI was unavailable",
    "complaint": "complaint",
    "booking_change": "booking change",
    "staff_took_over": "took over",
    "staff_replied": "replied and took over",
    "staff_handed_back": "handed back to the AI",
    "staff_resolved": "resolved",
    "replied_from_phone": "replied from the hotel phone",
    "guest_wrote_again": "guest wrote again",
    "assigned": "assigned",
}


@dataclass(frozen=True, slots=True)
class InboxRow:
    id: UUID
    guest_name: str
    phone: str
    state: State
    preview: str
    last_message_at: datetime.datetime | None
    waiting_since: datetime.datetime | None
    assigned_name: str | None
    handoff_reason: str | None
    unread: bool


@dataclass(frozen=True, slots=True)
class Inbox:
    needs_human: list[InboxRow]
    mine: list[InboxRow]
    others: list[InboxRow]
    ai: list[InboxRow]
    resolved_today: list[InboxRow]
    query: str = ""

    @property
    def waiting(self) -> int:
        return len(self.needs_human)

    @property
    def unread(self) -> int:
        return sum(
            row.unread for section in (self.needs_human, self.mine, self.others, self.ai) for row in section
        )


def _row(
    conversation: Conversation, guest: Guest, assigned: str | None, seen: datetime.datetime | None
) -> InboxRow:
    last_guest = conversation.last_guest_message_at
    return InboxRow(
        id=conversation.id,
        guest_name=guest.name or guest.phone,
        phone=guest.phone,
        state=conversation.state,
        preview=conversation.last_message_preview,
        last_message_at=conversation.last_message_at,
        waiting_since=conversation.needs_human_since,
        assigned_name=assigned,
        handoff_reason=REASON_LABELS.get(conversation.handoff_reason or "", conversation.handoff_reason),
        unread=bool(last_guest and (seen is None or seen < last_guest)),
    )


async def load_inbox(
    session: AsyncSession, hotel_id: UUID, staff_id: UUID, *, query: str = "", today_start: datetime.datetime
) -> Inbox:
    query = query.strip()[:MAX_SEARCH]
    base = (
        select(Conversation, Guest, StaffUser.name, ConversationRead.seen_at)
        .join(Guest, Guest.id == Conversation.guest_id)
        .outerjoin(StaffUser, StaffUser.id == Conversation.assigned_staff_id)
        .outerjoin(
            ConversationRead,
            and_(ConversationRead.conversation_id == Conversation.id, ConversationRead.staff_id == staff_id),
        )
        .where(Conversation.hotel_id == hotel_id, Conversation.last_message_at.is_not(None))
    )
    if query:
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        base = base.where(
            or_(
                Guest.name.ilike(pattern),
                Guest.phone.ilike(pattern),
                exists().where(Message.conversation_id == Conversation.id, Message.text.ilike(pattern)),
            )
        )

    async def section(*conditions: Any, order: Any) -> list[InboxRow]:
        rows = await session.execute(base.where(*conditions).order_by(*order).limit(SECTION_LIMIT))
        return [_row(c, g, name, seen) for c, g, name, seen in rows]

    return Inbox(
        needs_human=await section(
            Conversation.state == State.NEEDS_HUMAN, order=[Conversation.needs_human_since]
        ),
        mine=await section(
            Conversation.state == State.HUMAN,
            Conversation.assigned_staff_id == staff_id,
            order=[Conversation.last_message_at.desc()],
        ),
        others=await section(
            Conversation.state == State.HUMAN,
            or_(Conversation.assigned_staff_id.is_(None), Conversation.assigned_staff_id != staff_id),
            order=[Conversation.last_message_at.desc()],
        ),
        ai=await section(Conversation.state == State.AI, order=[Conversation.last_message_at.desc()]),
        resolved_today=await section(
            Conversation.state == State.RESOLVED,
            Conversation.updated_at >= today_start,
            order=[Conversation.updated_at.desc()],
        ),
        query=query,
    )


@dataclass(frozen=True, slots=True)
class TimelineItem:
    kind: str  # message | event | note
    id: UUID
    at: datetime.datetime
    message: Message | None = None
    text: str = ""
    actor: str = ""
    sources: list[tuple[UUID, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ConversationView:
    conversation: Conversation
    guest: Guest
    items: list[TimelineItem]
    service_requests: list[ServiceRequest]
    assigned_name: str | None
    colleagues: list[tuple[UUID, str]]
    saved_replies: list[SavedReply]


async def load_conversation(
    session: AsyncSession, hotel_id: UUID, conversation_id: UUID
) -> ConversationView | None:
    row = (
        await session.execute(
            select(Conversation, Guest)
            .join(Guest, Guest.id == Conversation.guest_id)
            .where(Conversation.id == conversation_id, Conversation.hotel_id == hotel_id)
        )
    ).one_or_none()
    if row is None:
        return None
    conversation, guest = row
    messages = (
        (
            await session.execute(
                select(Message)
                .where(Message.conversation_id == conversation_id)
                .order_by(Message.created_at)
                .limit(500)
            )
        )
        .scalars()
        .all()
    )
    source_ids = {source for m in messages for source in (m.sources or [])}
    titles: dict[UUID, str] = {}
    if source_ids:
        titles = dict(
            (
                await session.execute(
                    select(KnowledgeEntry.id, KnowledgeEntry.title).where(
                        KnowledgeEntry.id.in_(source_ids), KnowledgeEntry.hotel_id == hotel_id
                    )
                )
            )
            .tuples()
            .all()
        )
    staff_names = dict(
        (
            await session.execute(
                select(StaffUser.id, StaffUser.name)
                .join(Membership, Membership.staff_id == StaffUser.id)
                .where(Membership.hotel_id == hotel_id)
                .order_by(StaffUser.name)
            )
        )
        .tuples()
        .all()
    )
    items = [
        TimelineItem(
            "message",
            m.id,
            m.created_at,
            message=m,
            actor=staff_names.get(m.staff_id, "Staff") if m.author is Author.STAFF and m.staff_id else "",
            sources=[(s, titles[s]) for s in (m.sources or []) if s in titles],
        )
        for m in messages
    ]
    transitions = (
        (
            await session.execute(
                select(StateTransition).where(StateTransition.conversation_id == conversation_id).limit(500)
            )
        )
        .scalars()
        .all()
    )
    for t in transitions:
        who = (
            staff_names.get(t.staff_id, "Staff")
            if t.staff_id
            else ("AI" if t.actor == "ai" else t.actor.title())
        )
        items.append(TimelineItem("event", t.id, t.created_at, text=event_text(who, t), actor=who))
    notes = (
        (await session.execute(select(Note).where(Note.conversation_id == conversation_id).limit(500)))
        .scalars()
        .all()
    )
    for n in notes:
        items.append(
            TimelineItem(
                "note",
                n.id,
                n.created_at,
                text=n.text,
                actor=staff_names.get(n.staff_id, "Staff") if n.staff_id else "Staff",
            )
        )
    items.sort(key=lambda item: item.at)
    requests = (
        (
            await session.execute(
                select(ServiceRequest)
                .where(ServiceRequest.conversation_id == conversation_id, ServiceRequest.hotel_id == hotel_id)
                .order_by(ServiceRequest.created_at.desc())
            )
        )
        .scalars()
        .all()
    )
    replies = (
        (
            await session.execute(
                select(SavedReply).where(SavedReply.hotel_id == hotel_id).order_by(SavedReply.shortcut)
            )
        )
        .scalars()
        .all()
    )
    return ConversationView(
        conversation=conversation,
        guest=guest,
        items=items,
        service_requests=list(requests),
        assigned_name=staff_names.get(conversation.assigned_staff_id)
        if conversation.assigned_staff_id
        else None,
        colleagues=list(staff_names.items()),
        saved_replies=list(replies),
    )


def event_text(who: str, transition: StateTransition) -> str:
    reason = REASON_LABELS.get(transition.reason, transition.reason.replace("_", " "))
    if transition.to_state is State.NEEDS_HUMAN:
        text = f"{who} handed off: {reason}"
    elif transition.reason.startswith("staff_") or transition.reason == "replied_from_phone":
        text = f"{who} {reason}"
    else:
        text = f"{reason.capitalize()}"
    if transition.summary:
        text += f" — {transition.summary}"
    return text


async def mark_read(session: AsyncSession, staff_id: UUID, conversation_id: UUID) -> None:
    now = datetime.datetime.now(datetime.UTC)
    await session.execute(
        insert(ConversationRead)
        .values(staff_id=staff_id, conversation_id=conversation_id, seen_at=now)
        .on_conflict_do_update(
            index_elements=[ConversationRead.staff_id, ConversationRead.conversation_id],
            set_={"seen_at": now},
        )
    )


async def message_in_hotel(session: AsyncSession, hotel_id: UUID, message_id: UUID) -> Message | None:
    return (
        await session.execute(select(Message).where(Message.id == message_id, Message.hotel_id == hotel_id))
    ).scalar_one_or_none()
