"""Staff and AI actions on one conversation. Each locks the row, checks, changes, records."""

from __future__ import annotations

import datetime
from uuid import UUID

from sqlalchemy import select

from domain.conversations import rules
from domain.conversations.inbound import after_queue, queue_outbound, record_transition
from domain.conversations.models import Author, Conversation, Note, State
from domain.conversations.rules import StaffAction
from domain.errors import Invalid, NotFound
from domain.guests.models import Guest
from domain.ports import LiveEvent
from domain.staff.models import Membership, StaffUser
from domain.uow import UnitOfWork

MAX_REPLY_LENGTH = 4096


class ConversationNotFound(NotFound):
    """No such conversation at this hotel (the same answer for another hotel's)."""


class InvalidReply(Invalid):
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
    assignee_id: UUID | None = None,
    summary: str | None = None,
) -> bool:
    """Move the conversation to ``target`` (in ``human``: into ``assignee_id``'s hands) and record
    it. A change of hands is a transition too, in the same state; only a true no-op records
    nothing (and answers False)."""
    current, previous = conversation.state, conversation.assigned_staff_id
    assignee = assignee_id if target is State.HUMAN else None
    if current is target and previous == assignee:
        return False
    if current is not target:
        rules.check_transition(current, target)
    conversation.state = target
    conversation.ai_pending_since = None
    if target is State.NEEDS_HUMAN:
        conversation.needs_human_since = _now()
        conversation.handoff_reason = reason
        conversation.handoff_summary = summary
    else:
        conversation.needs_human_since = None
    conversation.assigned_staff_id = assignee
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
        from_staff_id=previous,
        to_staff_id=assignee,
    )
    return True


async def _act(
    uow: UnitOfWork,
    hotel_id: UUID,
    conversation_id: UUID,
    staff_id: UUID,
    *,
    action: StaffAction,
    reason: str,
) -> Conversation:
    """A staff action from the conversation header, refused where the state does not offer it."""
    conversation = await lock_conversation(uow, hotel_id, conversation_id)
    rules.check_staff_action(action, conversation.state)
    await _move(
        uow, conversation, rules.ACTION_TARGET[action], reason=reason, actor="staff", staff_id=staff_id
    )
    return conversation


async def _take(uow: UnitOfWork, conversation: Conversation, staff_id: UUID, *, by_reply: bool) -> None:
    reason = rules.taking_over_reason(
        conversation.state, conversation.assigned_staff_id, staff_id, by_reply=by_reply
    )
    if reason is not None:
        await _move(
            uow,
            conversation,
            State.HUMAN,
            reason=reason,
            actor="staff",
            staff_id=staff_id,
            assignee_id=staff_id,
        )


async def take_over(uow: UnitOfWork, hotel_id: UUID, conversation_id: UUID, staff_id: UUID) -> Conversation:
    """Into this staff member's hands, from the AI, a waiting queue or a colleague (who is told)."""
    conversation = await lock_conversation(uow, hotel_id, conversation_id)
    rules.check_staff_action(StaffAction.TAKE_OVER, conversation.state)
    await _take(uow, conversation, staff_id, by_reply=False)
    return conversation


async def hand_back(uow: UnitOfWork, hotel_id: UUID, conversation_id: UUID, staff_id: UUID) -> Conversation:
    return await _act(
        uow, hotel_id, conversation_id, staff_id, action=StaffAction.HAND_BACK, reason="staff_handed_back"
    )


async def resolve(uow: UnitOfWork, hotel_id: UUID, conversation_id: UUID, staff_id: UUID) -> Conversation:
    return await _act(
        uow, hotel_id, conversation_id, staff_id, action=StaffAction.RESOLVE, reason="staff_resolved"
    )


async def reopen(uow: UnitOfWork, hotel_id: UUID, conversation_id: UUID, staff_id: UUID) -> Conversation:
    """A resolved conversation goes back to the AI, as a new guest message would take it."""
    return await _act(
        uow, hotel_id, conversation_id, staff_id, action=StaffAction.REOPEN, reason="staff_reopened"
    )


async def hand_off(
    uow: UnitOfWork, conversation: Conversation, *, reason: str, summary: str | None, actor: str = "ai"
) -> None:
    """The AI (or a rule) asks for a person: ``needs_human`` and the waiting timer starts."""
    await _move(uow, conversation, State.NEEDS_HUMAN, reason=reason, actor=actor, summary=summary)


async def send_staff_reply(
    uow: UnitOfWork, hotel_id: UUID, conversation_id: UUID, staff_id: UUID, text: str
) -> UUID:
    """A staff reply takes the conversation over implicitly: from the AI, from the waiting queue, or
    from a colleague (recorded, and the colleague is told, as with an explicit take-over)."""
    text = text.strip()
    if not text:
        raise InvalidReply("write a reply first")
    if len(text) > MAX_REPLY_LENGTH:
        raise InvalidReply(f"the reply is longer than {MAX_REPLY_LENGTH} characters")
    conversation = await lock_conversation(uow, hotel_id, conversation_id)
    await _take(uow, conversation, staff_id, by_reply=True)
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
    await after_queue(uow, message)
    return message.id


class NotAMember(NotFound):
    """The staff member named does not work at this hotel."""


async def assign(
    uow: UnitOfWork, hotel_id: UUID, conversation_id: UUID, staff_id: UUID, assignee_id: UUID
) -> Conversation:
    """Give the conversation to a colleague who works at this hotel (an active membership of an
    enabled account); it is then in their hands."""
    member = await uow.session.execute(
        select(Membership.id)
        .join(StaffUser, StaffUser.id == Membership.staff_id)
        .where(
            Membership.hotel_id == hotel_id,
            Membership.staff_id == assignee_id,
            Membership.is_active,
            StaffUser.is_active,
        )
    )
    if member.scalar_one_or_none() is None:
        raise NotAMember(str(assignee_id))
    conversation = await lock_conversation(uow, hotel_id, conversation_id)
    rules.check_staff_action(StaffAction.ASSIGN, conversation.state)
    await _move(
        uow,
        conversation,
        State.HUMAN,
        reason="assigned",
        actor="staff",
        staff_id=staff_id,
        assignee_id=assignee_id,
    )
    return conversation


MAX_NOTE_LENGTH = 4000


async def add_note(uow: UnitOfWork, hotel_id: UUID, conversation_id: UUID, staff_id: UUID, text: str) -> Note:
    text = text.strip()
    if not text:
        raise InvalidReply("write a note first")
    if len(text) > MAX_NOTE_LENGTH:
        raise InvalidReply(f"the note is longer than {MAX_NOTE_LENGTH} characters")
    conversation = await lock_conversation(uow, hotel_id, conversation_id)
    note = Note(hotel_id=hotel_id, conversation_id=conversation.id, staff_id=staff_id, text=text)
    uow.session.add(note)
    await uow.session.flush()
    uow.publish(LiveEvent(hotel_id, "note.created", conversation.id, data={"note_id": str(note.id)}))
    return note
