"""Staff and AI actions on one conversation. Each locks the row, checks, changes, records."""

from __future__ import annotations

import datetime
from uuid import UUID

from sqlalchemy import select

from domain.conversations import rules
from domain.conversations.inbound import after_queue, queue_outbound, record_transition
from domain.conversations.models import Author, Conversation, Note, State
from domain.guests.models import Guest
from domain.ports import LiveEvent
from domain.staff.models import Membership
from domain.uow import UnitOfWork

MAX_REPLY_LENGTH = 4096


class ConversationNotFound(LookupError):
    """No such conversation at this hotel (the same answer for another hotel's)."""


class InvalidReply(ValueError):
    pass


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


async def lock_conversation(uow: UnitOfWork, hotel_id: UUID, conversation_id: UUID) -> Conversation:
    """The conversation, locked for this transaction, scoped by the acting hotel."""
    conversation = (
        await uow.session.execute(
            select(Conversation)
            .where(Conversation.id == conversation_id, Conversation.hotel_id == hotel_id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if conversation is None:
        raise ConversationNotFound(str(conversation_id))
    return conversation


async def _move(
    uow: UnitOfWork,
    conversation: Conversation,
    target: State,
    *,
    reason: str,
    actor: str,
    staff_id: UUID | None = None,
    summary: str | None = None,
) -> None:
    current = conversation.state
    if current is target:
        return
    rules.check_transition(current, target)
    conversation.state = target
    conversation.ai_pending_since = None
    if target is State.NEEDS_HUMAN:
        conversation.needs_human_since = _now()
        conversation.handoff_reason = reason
        conversation.handoff_summary = summary
    else:
        conversation.needs_human_since = None
    if target is State.HUMAN:
        conversation.assigned_staff_id = staff_id
    elif target in (State.AI, State.RESOLVED):
        conversation.assigned_staff_id = None
    await record_transition(
        uow,
        hotel_id=conversation.hotel_id,
        conversation_id=conversation.id,
        from_state=current,
        to_state=target,
        reason=reason,
        actor=actor,
        staff_id=staff_id,
        summary=summary,
    )


async def take_over(uow: UnitOfWork, hotel_id: UUID, conversation_id: UUID, staff_id: UUID) -> Conversation:
    conversation = await lock_conversation(uow, hotel_id, conversation_id)
    await _move(uow, conversation, State.HUMAN, reason="staff_took_over", actor="staff", staff_id=staff_id)
    conversation.assigned_staff_id = staff_id
    return conversation


async def hand_back(uow: UnitOfWork, hotel_id: UUID, conversation_id: UUID, staff_id: UUID) -> Conversation:
    conversation = await lock_conversation(uow, hotel_id, conversation_id)
    await _move(uow, conversation, State.AI, reason="staff_handed_back", actor="staff", staff_id=staff_id)
    return conversation


async def resolve(uow: UnitOfWork, hotel_id: UUID, conversation_id: UUID, staff_id: UUID) -> Conversation:
    conversation = await lock_conversation(uow, hotel_id, conversation_id)
    await _move(uow, conversation, State.RESOLVED, reason="staff_resolved", actor="staff", staff_id=staff_id)
    return conversation


async def hand_off(
    uow: UnitOfWork, conversation: Conversation, *, reason: str, summary: str | None, actor: str = "ai"
) -> None:
    """The AI (or a rule) asks for a person: ``needs_human`` and the waiting timer starts."""
    await _move(uow, conversation, State.NEEDS_HUMAN, reason=reason, actor=actor, summary=summary)


async def send_staff_reply(
    uow: UnitOfWork, hotel_id: UUID, conversation_id: UUID, staff_id: UUID, text: str
) -> UUID:
    """A staff reply; in ``ai`` or ``needs_human`` it takes the conversation over implicitly."""
    text = text.strip()
    if not text:
        raise InvalidReply("the reply is empty")
    if len(text) > MAX_REPLY_LENGTH:
        raise InvalidReply(f"the reply is longer than {MAX_REPLY_LENGTH} characters")
    conversation = await lock_conversation(uow, hotel_id, conversation_id)
    if conversation.state is not State.HUMAN or conversation.assigned_staff_id is None:
        await _move(uow, conversation, State.HUMAN, reason="staff_replied", actor="staff", staff_id=staff_id)
        conversation.assigned_staff_id = staff_id
    chat_id = (
        await uow.session.execute(select(Guest.chat_id).where(Guest.id == conversation.guest_id))
    ).scalar_one()
    message = queue_outbound(
        uow,
        hotel_id=hotel_id,
        conversation_id=conversation.id,
        chat_id=chat_id,
        text=text,
        author=Author.STAFF,
        staff_id=staff_id,
    )
    conversation.last_message_at = _now()
    conversation.last_message_preview = rules.preview(text, "textMessage")
    await after_queue(uow, message)
    return message.id


class NotAMember(LookupError):
    """The staff member named does not work at this hotel."""


async def assign(
    uow: UnitOfWork, hotel_id: UUID, conversation_id: UUID, staff_id: UUID, assignee_id: UUID
) -> Conversation:
    """Give the conversation to a colleague of the same hotel; it is then in human hands."""
    member = await uow.session.execute(
        select(Membership.id).where(Membership.hotel_id == hotel_id, Membership.staff_id == assignee_id)
    )
    if member.scalar_one_or_none() is None:
        raise NotAMember(str(assignee_id))
    conversation = await lock_conversation(uow, hotel_id, conversation_id)
    await _move(uow, conversation, State.HUMAN, reason="assigned", actor="staff", staff_id=staff_id)
    conversation.assigned_staff_id = assignee_id
    uow.publish(
        LiveEvent(
            hotel_id, "conversation.state", conversation.id, data={"state": "human", "reason": "assigned"}
        )
    )
    return conversation


MAX_NOTE_LENGTH = 4000


async def add_note(uow: UnitOfWork, hotel_id: UUID, conversation_id: UUID, staff_id: UUID, text: str) -> Note:
    text = text.strip()
    if not text:
        raise InvalidReply("the note is empty")
    if len(text) > MAX_NOTE_LENGTH:
        raise InvalidReply(f"the note is longer than {MAX_NOTE_LENGTH} characters")
    conversation = await lock_conversation(uow, hotel_id, conversation_id)
    note = Note(hotel_id=hotel_id, conversation_id=conversation.id, staff_id=staff_id, text=text)
    uow.session.add(note)
    await uow.session.flush()
    uow.publish(LiveEvent(hotel_id, "note.created", conversation.id, data={"note_id": str(note.id)}))
    return note
