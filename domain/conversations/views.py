"""The read model of one conversation as staff see it (the inbox is ``inbox.py``). Always scoped by
the acting hotel."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.conversations.models import (
    AiDraft,
    Author,
    Conversation,
    ConversationRead,
    DraftStatus,
    Message,
    Note,
    State,
    StateTransition,
)
from domain.conversations.rules import web_link
from domain.guests.models import Guest
from domain.knowledge.models import KnowledgeEntry
from domain.saved_replies.models import SavedReply
from domain.service_requests.models import ServiceRequest
from domain.staff.models import Membership, StaffUser
from domain.uow import UnitOfWork

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
    "taken_over_from": "took over",
    "staff_reopened": "reopened the conversation",
    "restricted_topic": "a topic that always goes to a person",
    "auto_returned": "back to the AI after staff silence",
}


def reason_label(reason: str | None) -> str | None:
    """What staff read for a hand-off reason; a restricted topic's (``topic:refunds``) names it."""
    if not reason:
        return reason
    if reason.startswith("topic:"):
        return f"{reason.removeprefix('topic:').replace('_', ' ')} (always a person)"
    return REASON_LABELS.get(reason, reason)


@dataclass(frozen=True, slots=True)
class DraftView:
    """The AI's draft waiting in the conversation, as the panel above the composer shows it."""

    id: UUID
    text: str
    why: str  # "mode", or the draft topic it is about
    sources: list[tuple[UUID, str]]
    created_at: datetime.datetime
    #: the guest wrote after it: approving waits for the fresh draft that covers everything
    stale: bool


@dataclass(frozen=True, slots=True)
class TimelineItem:
    kind: str  # message | event | note
    id: UUID
    at: datetime.datetime
    message: Message | None = None
    text: str = ""
    actor: str = ""
    sources: list[tuple[UUID, str]] = field(default_factory=list)

    @property
    def media_link(self) -> str | None:
        """The message's media URL when it is a web link; anything else is shown as text."""
        return web_link(self.message.media_url) if self.message is not None else None


@dataclass(frozen=True, slots=True)
class ConversationView:
    conversation: Conversation
    guest: Guest
    items: list[TimelineItem]
    service_requests: list[ServiceRequest]
    assigned_name: str | None
    colleagues: list[tuple[UUID, str]]
    saved_replies: list[SavedReply]
    draft: DraftView | None = None


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
        await session.scalars(
            select(Message)
            .where(Message.conversation_id == conversation_id)
            .order_by(Message.created_at)
            .limit(500)
        )
    ).all()
    draft = await session.scalar(
        select(AiDraft).where(
            AiDraft.conversation_id == conversation_id,
            AiDraft.hotel_id == hotel_id,
            AiDraft.status == DraftStatus.PENDING.value,
        )
    )
    if conversation.state is not State.AI:
        draft = None  # the AI never talks over a person: a draft is only ever offered to the AI's
    source_ids = {source for m in messages for source in (m.sources or [])}
    source_ids |= set(draft.sources or []) if draft is not None else set()
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
    staff = (
        await session.execute(
            select(StaffUser.id, StaffUser.name, Membership.is_active & StaffUser.is_active)
            .join(Membership, Membership.staff_id == StaffUser.id)
            .where(Membership.hotel_id == hotel_id)
            .order_by(StaffUser.name)
        )
    ).all()
    # Everyone who ever worked here names their part of the timeline; only who works here now is
    # offered for assignment.
    staff_names = {staff_id: name for staff_id, name, _ in staff}
    colleagues = [(staff_id, name) for staff_id, name, active in staff if active]
    items = [
        TimelineItem(
            "message",
            m.id,
            m.created_at,
            message=m,
            # a staff member's reply names them; an AI reply from a draft, who approved it
            actor=staff_names.get(m.staff_id, "Staff")
            if m.author in (Author.STAFF, Author.AI) and m.staff_id
            else "",
            sources=[(s, titles[s]) for s in (m.sources or []) if s in titles],
        )
        for m in messages
    ]
    transitions = await session.scalars(
        select(StateTransition).where(StateTransition.conversation_id == conversation_id).limit(500)
    )
    for t in transitions:
        who = (
            staff_names.get(t.staff_id, "Staff")
            if t.staff_id
            else ("AI" if t.actor == "ai" else t.actor.title())
        )
        text = event_text(who, t, staff_names)
        items.append(TimelineItem("event", t.id, t.created_at, text=text, actor=who))
    notes = await session.scalars(select(Note).where(Note.conversation_id == conversation_id).limit(500))
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
    requests = await session.scalars(
        select(ServiceRequest)
        .where(ServiceRequest.conversation_id == conversation_id, ServiceRequest.hotel_id == hotel_id)
        .order_by(ServiceRequest.created_at.desc())
    )
    replies = await session.scalars(
        select(SavedReply).where(SavedReply.hotel_id == hotel_id).order_by(SavedReply.shortcut)
    )
    return ConversationView(
        conversation=conversation,
        guest=guest,
        items=items,
        service_requests=list(requests),
        assigned_name=staff_names.get(conversation.assigned_staff_id)
        if conversation.assigned_staff_id
        else None,
        colleagues=colleagues,
        saved_replies=list(replies),
        draft=_draft_view(draft, messages, titles) if draft is not None else None,
    )


def _draft_view(draft: AiDraft, messages: Sequence[Message], titles: dict[UUID, str]) -> DraftView:
    latest_guest = next((m.id for m in reversed(messages) if m.author is Author.GUEST), None)
    return DraftView(
        id=draft.id,
        text=draft.text,
        why=draft.why,
        sources=[(s, titles[s]) for s in (draft.sources or []) if s in titles],
        created_at=draft.created_at,
        stale=latest_guest is not None and latest_guest != draft.trigger_message_id,
    )


def event_text(who: str, transition: StateTransition, names: dict[UUID, str] | None = None) -> str:
    """One line of the timeline: who moved the conversation, where, why; and whose hands it left."""
    names = names or {}

    def name(staff_id: UUID | None) -> str:
        return names.get(staff_id, "a colleague") if staff_id else "nobody"

    reason = reason_label(transition.reason) or ""
    if reason == transition.reason:
        reason = reason.replace("_", " ")
    if transition.reason == "taken_over_from":
        text = f"{who} took over from {name(transition.from_staff_id)}"
    elif transition.reason == "assigned":
        text = f"{who} assigned the conversation to {name(transition.to_staff_id)}"
        if transition.from_staff_id and transition.from_staff_id != transition.staff_id:
            text += f" (from {name(transition.from_staff_id)})"
    elif transition.to_state is State.NEEDS_HUMAN:
        text = f"{who} handed off: {reason}"
    elif transition.reason.startswith("staff_") or transition.reason == "replied_from_phone":
        text = f"{who} {reason}"
        if transition.from_staff_id and transition.from_staff_id != transition.staff_id:
            text += f" (it was with {name(transition.from_staff_id)})"
    else:
        text = f"{reason.capitalize()}"
    if transition.summary:
        text += f" — {transition.summary}"
    return text


async def open_conversation(
    uow: UnitOfWork, hotel_id: UUID, staff_id: UUID, conversation_id: UUID
) -> ConversationView | None:
    """A staff member opens a conversation of their hotel: what it shows, and it counts as read."""
    view = await load_conversation(uow.session, hotel_id, conversation_id)
    if view is not None:
        await _mark_read(uow.session, staff_id, conversation_id)
    return view


async def _mark_read(session: AsyncSession, staff_id: UUID, conversation_id: UUID) -> None:
    now = datetime.datetime.now(datetime.UTC)
    await session.execute(
        insert(ConversationRead)
        .values(staff_id=staff_id, conversation_id=conversation_id, seen_at=now)
        .on_conflict_do_update(
            index_elements=[ConversationRead.staff_id, ConversationRead.conversation_id],
            set_={"seen_at": now},
        )
    )
